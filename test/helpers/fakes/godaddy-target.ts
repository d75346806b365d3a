// The GoDaddy target of the shared conformance suite: our REST client against the fake API, which writes into
// the bed's BIND; `dig` at BIND is the witness. Registers the file-level hooks that start and stop the fake.
import { after, before } from 'node:test';
import { createProvider } from '../../../electron/dns/registry.ts';
import { bedEnv } from '../bed.ts';
import type { ConformanceTarget } from '../dns-conformance.ts';
import { digTxt } from '../dns-tools.ts';
import { GODADDY_ACCOUNT, startStandardGoDaddy, type FakeGoDaddy } from './godaddy.ts';

export function godaddyConformanceTarget(): ConformanceTarget {
  let fake: FakeGoDaddy;
  before(async () => {
    fake = await startStandardGoDaddy();
  });
  after(async () => {
    await fake?.stop();
  });
  const account = (apiSecret = GODADDY_ACCOUNT.apiSecret) => ({ apiKey: GODADDY_ACCOUNT.apiKey, apiSecret, endpoint: fake.url });
  return {
    title: 'godaddy (REST v1) against a fake GoDaddy API writing into BIND',
    provider: () => createProvider('godaddy', account()),
    badCredentials: () => createProvider('godaddy', account('WrongSecret0123456789')),
    badCredentialsCause: /rejected the key dKfakeGoDaddyKey_0123456789 and its secret \(401 UNABLE_TO_AUTHENTICATE/,
    zone: bedEnv('BIND_ZONE'),
    outside: { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /no domain in the GoDaddy account .* holds _acme-challenge\.www\.elsewhere\.invalid: looked for .*elsewhere\.invalid/ },
    visible: (fqdn) => digTxt(`127.0.0.1:${bedEnv('BIND_PORT')}`, fqdn),
  };
}
