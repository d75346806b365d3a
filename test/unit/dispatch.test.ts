// dispatch() is pure: it validates requests against the contract and wraps results and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dispatch, type Handlers } from '../../shared/ipc/dispatch.ts';
import { AppError } from '../../shared/ipc/errors.ts';
import { CHANNELS } from '../../shared/ipc/contract.ts';

const calls: unknown[] = [];
const account = {
  id: 'a1',
  name: 'n',
  email: 'e@example.test',
  directoryUrl: 'https://ca.example/dir',
  directoryKind: 'custom',
  caName: null,
  url: 'https://ca.example/acct/1',
  status: 'valid',
  keyAlgorithm: 'ec-p256',
  keyThumbprint: 't',
  termsOfServiceUrl: null,
  eabKid: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const handlers = new Proxy({} as Handlers, {
  get: (_t, channel: string) => async (req: unknown) => {
    calls.push({ channel, req });
    if (channel === 'accounts:get') throw new AppError('NOT_FOUND', 'No account with id x.', { field: 'id' });
    if (channel === 'accounts:refresh') throw new Error('boom');
    // A service object with a secret on it: the response schema must strip it.
    if (channel === 'accounts:list') return [{ ...account, keyPem: '-----BEGIN PRIVATE KEY-----secret' }];
    return account;
  },
});
const ctx = { face: 'cli' as const };

describe('dispatch', () => {
  it('rejects unknown channels', async () => {
    const env = await dispatch(handlers, 'accounts:steal', {}, ctx);
    assert.deepEqual(env, { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown channel: accounts:steal' } });
  });

  it('rejects a malformed register payload with one issue per field, before any handler runs', async () => {
    calls.length = 0;
    const env = await dispatch(handlers, 'accounts:register', { name: '', email: 'nope', directory: 42, agreeTos: 'yes' }, ctx);
    assert.equal(env.ok, false);
    if (env.ok) return;
    assert.equal(env.error.code, 'INVALID_INPUT');
    const fields = (env.error.issues ?? []).map((i) => i.field).sort();
    assert.deepEqual(fields, ['agreeTos', 'directory', 'email', 'name']);
    const byField = Object.fromEntries((env.error.issues ?? []).map((i) => [i.field, i.message]));
    assert.match(byField.email ?? '', /E-mail is not a valid address/);
    assert.match(byField.name ?? '', /Name is required/);
    assert.deepEqual(calls, [], 'handler not called');
  });

  it('names nested fields (eab.hmacKey)', async () => {
    const env = await dispatch(
      handlers,
      'accounts:register',
      { name: 'a', email: 'a@b.test', directory: 'staging', agreeTos: true, eab: { kid: 'k', hmacKey: '' } },
      ctx,
    );
    assert.equal(!env.ok && env.error.field, 'eab.hmacKey');
    assert.match(!env.ok ? env.error.message : '', /EAB HMAC key is required/);
  });

  it('requires the confirmation literal for destructive channels', async () => {
    for (const channel of ['accounts:delete', 'accounts:deactivate']) {
      const env = await dispatch(handlers, channel, { id: 'a1', confirm: false }, ctx);
      assert.equal(!env.ok && env.error.field, 'confirm', channel);
    }
  });

  it('wraps AppErrors and unexpected errors in envelopes', async () => {
    const nf = await dispatch(handlers, 'accounts:get', { id: 'x' }, ctx);
    assert.deepEqual(nf, { ok: false, error: { code: 'NOT_FOUND', message: 'No account with id x.', field: 'id' } });
    const boom = await dispatch(handlers, 'accounts:refresh', { id: 'x' }, ctx);
    assert.equal(!boom.ok && boom.error.code, 'INTERNAL');
  });

  it('strips fields the contract does not declare from results (no secret crosses)', async () => {
    const env = await dispatch(handlers, 'accounts:list', {}, ctx);
    assert.equal(env.ok, true);
    assert.equal(JSON.stringify(env).includes('PRIVATE KEY'), false);
  });

  it('has domain:verb channel names', () => {
    for (const c of CHANNELS) assert.match(c, /^[a-z]+:[a-z-]+$/);
  });
});

describe('names (the preload allow-lists)', () => {
  it('list exactly the contract channels and events', async () => {
    const { CHANNEL_NAMES, EVENT_NAME_LIST } = await import('../../shared/ipc/names.ts');
    const { EVENT_NAMES } = await import('../../shared/ipc/events.ts');
    assert.deepEqual([...CHANNEL_NAMES].sort(), [...CHANNELS].sort());
    assert.deepEqual([...EVENT_NAME_LIST].sort(), [...EVENT_NAMES].sort());
  });
});
