// The repository list (certs:list), reloaded on `certs:changed`.
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import type { Certificate } from '../../../shared/model/request.ts';
import { useChannelList } from './list.ts';

export function useCertificates(): { certificates: Certificate[]; loading: boolean; error: ErrorInfo | null; reload: () => Promise<void> } {
  const { items: certificates, loading, error, reload } = useChannelList('certs:list', 'certs:changed');
  return { certificates, loading, error, reload };
}
