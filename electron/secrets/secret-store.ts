// Secrets (data keys, DNS API credentials, keystore passwords) live in the OS keychain, never in lowdb.

export interface SecretStore {
  /** Human name of the backend, e.g. "Secret Service (gnome-keyring)", "memory". */
  readonly backend: string;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Throws AppError('KEYCHAIN_UNAVAILABLE') with what is missing and how to fix it. */
  check(): Promise<void>;
}
