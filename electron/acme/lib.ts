// acme-client and axios, loaded on first use. Both are big (acme-client brings axios, @peculiar/x509, asn1js and
// reflect-metadata); evaluating them costs a command that never talks to a CA (`certdesk cert list`) more than all
// of its own work. Every ACME call goes through withTransport() (./transport.ts), which awaits loadAcmeLibs()
// first; code that builds a client awaits it itself. acmeLibs() then answers synchronously.
import type AcmeModule from 'acme-client';
import type AxiosModule from 'axios';

export interface AcmeLibs {
  acme: typeof AcmeModule;
  axios: typeof AxiosModule;
}

let libs: AcmeLibs | null = null;
let loading: Promise<AcmeLibs> | null = null;

export function loadAcmeLibs(): Promise<AcmeLibs> {
  if (libs) return Promise.resolve(libs);
  loading ??= Promise.all([import('acme-client'), import('axios')]).then(([a, x]) => (libs = { acme: a.default, axios: x.default }));
  return loading;
}

/** The loaded libraries; only after loadAcmeLibs() has resolved (a programming error otherwise). */
export function acmeLibs(): AcmeLibs {
  if (!libs) throw new Error('acme-client is not loaded yet: await loadAcmeLibs() first.');
  return libs;
}
