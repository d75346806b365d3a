// electron/acme/lib.ts loads acme-client's Client and axios instance from their own files (not the index, which
// also evaluates node-forge): they must be the very objects the package's index exports, or the transport's
// interceptors (installed on the instance) would miss the client's requests.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import acme from 'acme-client';
import { acmeLibs, loadAcmeLibs } from '../../electron/acme/lib.ts';

describe('acme-client, loaded in parts', () => {
  it('Client and axios are the objects the index exports', async () => {
    const libs = await loadAcmeLibs();
    assert.equal(libs.acme.Client, acme.Client);
    assert.equal(libs.acme.axios, acme.axios);
    assert.equal(typeof libs.axios.getAdapter, 'function');
    // The axios acme-client requires (its CommonJS build), not a second copy.
    assert.equal(libs.axios, createRequire(createRequire(import.meta.url).resolve('acme-client'))('axios'));
    assert.equal(acmeLibs(), libs);
  });
});
