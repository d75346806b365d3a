// Named points in the order flow where crash-safety tests stop the process (kill -9) deterministically:
// order-created, validating, polling, finalized, downloaded (certificate fetched and its file written, not
// yet recorded) and rollover-done; test/integration/crash.test.ts kills the CLI at each.
// Inert unless CERTDESK_TEST_HOLD names the checkpoint: then the process announces it on stderr and waits
// to be killed. Nothing else in the product reads this variable.
export async function checkpoint(name: string): Promise<void> {
  const hold = process.env.CERTDESK_TEST_HOLD;
  if (!hold || hold !== name) return;
  process.stderr.write(`certdesk-checkpoint: ${name}\n`);
  await new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}
