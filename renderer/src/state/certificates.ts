// The repository list (certs:list), reloaded on `certs:changed`.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Certificate } from '../../../shared/model/request.ts';
import { call, errorInfo, on } from '../api.ts';

export function useCertificates(): { certificates: Certificate[]; loading: boolean; error: ErrorInfo | null; reload: () => Promise<void> } {
  const [certificates, setCertificates] = useState<Certificate[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const list = await call('certs:list', {});
      if (mine !== generation.current) return;
      setCertificates(list);
      setError(null);
    } catch (err) {
      if (mine === generation.current) setError(errorInfo(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
    return on('certs:changed', () => void reload());
  }, [reload]);

  return { certificates, loading, error, reload };
}
