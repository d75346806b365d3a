// The ACME transport's trust and limits, without the bed: local servers only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import acme from 'acme-client';
import { agentFor, trustFor, withTransport } from '../../electron/acme/transport.ts';
import { makeCa, startFakeAcme, startPlainListener, type FakeAcme, type PlainListener, type TestCa } from '../helpers/tls-servers.ts';

describe('transport: trust is a value of the call', () => {
  it('uses an extra CA only for the origins of its own Trust, and one Trust never changes another', () => {
    const caA = makeCa('Unit CA-A');
    const caB = makeCa('Unit CA-B');
    const a = trustFor(caA.caPem, ['https://ca-a.test:14000/dir', 'https://ca-a.test:14001/acme/new-acct', 'http://plain.test/x', 'not a url']);
    assert.ok(a);
    assert.deepEqual([...a.origins].sort(), ['https://ca-a.test:14000', 'https://ca-a.test:14001'], 'https origins only');
    // B's directory names A's origin: B's trust covers it for B's calls only.
    const b = trustFor(caB.caPem, ['https://ca-b.test/dir', 'https://ca-a.test:14000/key-change']);
    assert.ok(b);
    assert.equal(agentFor('https://ca-a.test:14000/acct/1', a), a.agent);
    assert.equal(agentFor('https://ca-a.test:14000/acct/1', b), b.agent);
    assert.notEqual(a.agent, b.agent);
    // Outside its origins, and without a Trust, only the system roots apply.
    const system = agentFor('https://elsewhere.test/', null);
    assert.equal(agentFor('https://elsewhere.test/', a), system);
    assert.equal(agentFor('https://ca-b.test/dir', a), system);
    assert.equal(trustFor(null, ['https://ca-a.test:14000/dir']), null);
  });
});

describe('transport: limits', () => {
  let ca: TestCa;
  let plain: PlainListener;
  let redirecting: FakeAcme;
  before(async () => {
    ca = makeCa('Unit CA (limits)');
    plain = await startPlainListener();
    redirecting = await startFakeAcme(ca.issueServer(), {
      routes: {
        '/same-origin': (_req, res) => res.writeHead(302, { location: '/dir' }).end(),
        '/to-plain': (_req, res) => res.writeHead(308, { location: `${plain.origin}/new-acct` }).end(),
      },
    });
  });
  after(async () => {
    await redirecting.close();
    await plain.close();
  });

  const trust = () => trustFor(ca.caPem, [redirecting.directoryUrl]);

  it('sends nothing to a plain-HTTP URL', async () => {
    await assert.rejects(
      withTransport(undefined, trust(), () => acme.axios.post(`${plain.origin}/new-acct`, { contact: ['mailto:a@example.test'] })),
      (err: Error & { code?: string }) => err.code === 'ACME_ERROR' && /HTTPS only\. Nothing was sent/.test(err.message),
    );
    assert.equal(plain.connections, 0);
  });

  it('follows no redirect, and says where it pointed', async () => {
    await assert.rejects(
      withTransport(undefined, trust(), () => acme.axios.post(`${redirecting.origin}/to-plain`, {})),
      /redirect \(HTTP 308\) to http:\/\/127\.0\.0\.1:\d+\/new-acct, a plain-HTTP address: refused/,
    );
    await assert.rejects(
      withTransport(undefined, trust(), () => acme.axios.get(`${redirecting.origin}/same-origin`)),
      (err: Error & { hint?: string }) => /redirect \(HTTP 302\)/.test(err.message) && /enter that URL instead/.test(err.hint ?? ''),
    );
    assert.equal(plain.connections, 0);
  });

  it('trusts the extra CA only inside a call that carries it', async () => {
    const ok = await withTransport(undefined, trust(), () => acme.axios.get(redirecting.directoryUrl, { validateStatus: null }));
    assert.equal(ok.status, 200);
    // The same server, from a call without that Trust (another account, a preview of another directory).
    // (acme-client's interceptor hides network errors behind a TypeError; the call state keeps the real one.)
    const tlsError = await withTransport(undefined, null, async (state) => {
      try {
        await acme.axios.get(redirecting.directoryUrl);
        return null;
      } catch {
        return state().lastNetworkError;
      }
    });
    assert.equal((tlsError as { code?: string } | null)?.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', String(tlsError));
  });
});
