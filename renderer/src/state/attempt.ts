// An action whose failure is shown in an alert: each attempt clears the last error, and what it throws
// becomes the new one.
import { useCallback, useState } from 'react';
import type { ErrorInfo } from '../../../shared/ipc/errors.ts';
import { errorInfo } from '../api.ts';

export interface Attempt {
  error: ErrorInfo | null;
  /** Runs `work`; resolves either way (a failure lands in `error`). */
  attempt(work: () => Promise<unknown>): Promise<void>;
}

export function useAttempt(): Attempt {
  const [error, setError] = useState<ErrorInfo | null>(null);
  const attempt = useCallback(async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorInfo(err));
    }
  }, []);
  return { error, attempt };
}
