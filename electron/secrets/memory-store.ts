// In-memory SecretStore for unit tests. Never used by the app: secrets there would not survive a restart.
import { AppError } from '../../shared/ipc/errors.ts';
import type { SecretStore } from './secret-store.ts';

export class MemorySecretStore implements SecretStore {
  readonly backend = 'memory';
  private readonly items = new Map<string, string>();
  private unavailable: string | null = null;

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.items.set(k, v);
  }

  /** Makes every call fail as an unusable keychain would (null restores it). */
  setUnavailable(reason: string | null): void {
    this.unavailable = reason;
  }

  /** Names currently stored (tests). */
  names(): string[] {
    return [...this.items.keys()].sort();
  }

  private guard(): void {
    if (this.unavailable !== null) {
      throw new AppError('KEYCHAIN_UNAVAILABLE', `The OS keychain (memory) is unavailable: ${this.unavailable}.`, {
        hint: 'Test double: call setUnavailable(null) to make it work again.',
      });
    }
  }

  async get(name: string): Promise<string | null> {
    this.guard();
    return this.items.get(name) ?? null;
  }

  async set(name: string, value: string): Promise<void> {
    this.guard();
    this.items.set(name, value);
  }

  async delete(name: string): Promise<boolean> {
    this.guard();
    return this.items.delete(name);
  }

  async check(): Promise<void> {
    this.guard();
  }
}
