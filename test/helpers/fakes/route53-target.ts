// The Route 53 target of the shared conformance suite: the real SDK against the fake API, which writes into
// the bed's BIND; `dig` at BIND is the witness. Registers the file-level hooks that start and stop the fake.
import { after, before } from 'node:test';
import { createProvider } from '../../../electron/dns/registry.ts';
import { bedEnv } from '../bed.ts';
import type { ConformanceTarget } from '../dns-conformance.ts';
import { digTxt } from '../dns-tools.ts';
import { ROUTE53_USER, startStandardRoute53, type FakeRoute53 } from './route53.ts';

export function route53ConformanceTarget(): ConformanceTarget {
  let fake: FakeRoute53;
  before(async () => {
    fake = await startStandardRoute53();
  });
  after(async () => {
    await fake?.stop();
  });
  const account = (secretAccessKey = ROUTE53_USER.secretAccessKey) => ({
    accessKeyId: ROUTE53_USER.accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    endpoint: fake.url,
  });
  return {
    title: 'route53 (AWS SDK) against a fake Route 53 API writing into BIND',
    provider: () => createProvider('route53', account()),
    badCredentials: () => createProvider('route53', account('wrong/Secret+Key0123456789abcdefghijKLMNOP')),
    badCredentialsCause: /SignatureDoesNotMatch.*secret access key is wrong|rejected the signature made with the secret access key.*SignatureDoesNotMatch/,
    zone: bedEnv('BIND_ZONE'),
    outside: { fqdn: '_acme-challenge.www.elsewhere.invalid', message: /no public hosted zone for _acme-challenge\.www\.elsewhere\.invalid.*looked for .*elsewhere\.invalid/ },
    visible: (fqdn) => digTxt(`127.0.0.1:${bedEnv('BIND_PORT')}`, fqdn),
  };
}
