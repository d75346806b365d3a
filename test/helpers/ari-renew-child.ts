// Child process for crash tests: renews one request with `replaces` (as the renewal engine does), on its own
// data directory. Run: node --import tsx test/helpers/ari-renew-child.ts <dataDir> <requestId> <certId>
// (with CERTDESK_TEST_HOLD set, it stops at that checkpoint and waits to be killed).
import { bootstrap } from '../../electron/app/bootstrap.ts';

const [dataDir, id, replaces] = process.argv.slice(2);
if (!dataDir || !id || !replaces) throw new Error('usage: ari-renew-child.ts <dataDir> <requestId> <certId>');
const app = await bootstrap({ dataDir, face: 'cli' });
const r = await app.services.ops.run(undefined, undefined, (op) => app.services.requests.renew(id, op, { replaces }));
process.stdout.write(JSON.stringify(r));
await app.close();
