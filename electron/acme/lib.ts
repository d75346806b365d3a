// acme-client and axios, loaded on first use. Both are big: acme-client's index also evaluates its legacy node-forge
// API (node-forge, whose PRNG seeds itself at load) and its crypto helpers (@peculiar/x509, asn1js,
// reflect-metadata); evaluating them costs a command that never talks to a CA (`certdesk cert list`) more than all
// of its own work. Every ACME call goes through withTransport() (./transport.ts), which awaits loadAcmeLibs()
// first; code that builds a client awaits it itself. acmeLibs() then answers synchronously.
//
// Only the two parts Certdesk uses are loaded: the Client class and the shared axios instance it sends through
// (src/client.js, src/axios.js; the index would add node-forge). They are the very modules the index exports
// (test/unit/acme-lib.test.ts checks that, so an acme-client update that moves them fails there, not in use).
// axios likewise as the CommonJS build acme-client itself requires: `import 'axios'` resolves to its ESM sources,
// a second copy of axios in the bundle, evaluated as well.
import type AcmeModule from 'acme-client';
import type AxiosModule from 'axios';

export interface AcmeLibs {
  acme: { Client: typeof AcmeModule.Client; axios: typeof AcmeModule.axios };
  axios: typeof AxiosModule;
}

let libs: AcmeLibs | null = null;
let loading: Promise<AcmeLibs> | null = null;

export function loadAcmeLibs(): Promise<AcmeLibs> {
  if (libs) return Promise.resolve(libs);
  loading ??= Promise.all([import('acme-client/src/client.js'), import('acme-client/src/axios.js'), import('axios/dist/node/axios.cjs')]).then(
    ([client, instance, axios]) => (libs = { acme: { Client: client.default, axios: instance.default }, axios: axios.default }),
  );
  return loading;
}

/** The loaded libraries; only after loadAcmeLibs() has resolved (a programming error otherwise). */
export function acmeLibs(): AcmeLibs {
  if (!libs) throw new Error('acme-client is not loaded yet: await loadAcmeLibs() first.');
  return libs;
}
