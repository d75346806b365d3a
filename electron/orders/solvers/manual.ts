// The manual solver: the user publishes the http-01 file or the dns-01 TXT record (the request window and
// `request show` give the values), then clicks Verify. Presenting and cleaning up are the user's; the
// pre-flight the user sees is the window's Check / `request check` (electron/orders/preflight.ts).
import type { ChallengeSolver } from './types.ts';

export const manualSolver: ChallengeSolver = {
  kind: 'manual',
  automatic: false,
  async present() {
    return [];
  },
  async check() {
    // Nothing to wait for: the user said the records are in place by asking to verify.
  },
  async cleanUp() {
    // Whatever the user published, the user removes.
  },
};
