// Secrets of every DNS provider (issue 7): added, replaced and mapped through the CLI as a user does it, then
// looked for in every file of the data directory and its logs and in every CLI answer (the CLI reports each as
// "stored"). Each provider's account has its own distinct secrets, so a leak names its provider and field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findSecret, tempDir } from '../helpers/bed.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function certdesk(dataDir: string, args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): unknown {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A secret no other test uses, long enough for findSecret (16+ bytes); TSIG keys are base64 (tsig-keygen). */
const secret = (label: string): string =>
  label.startsWith('rfc2136') || label.startsWith('per-domain') || label.startsWith('mapping')
    ? randomBytes(32).toString('base64')
    : `${label}-${randomBytes(18).toString('base64url')}`;

/** Each provider: its non-secret fields (enough to be stored) and its secret field ids. */
const PROVIDERS: { id: string; fields: Record<string, string>; secrets: string[] }[] = [
  { id: 'rfc2136', fields: { server: '127.0.0.1', port: '53', keyName: 'acme-key', algorithm: 'hmac-sha256' }, secrets: ['keySecret'] },
  { id: 'cloudflare', fields: { email: 'admin@example.test' }, secrets: ['apiToken', 'apiKey'] },
  { id: 'cloudns', fields: { authId: '1234' }, secrets: ['password'] },
  { id: 'route53', fields: { accessKeyId: 'AKIAEXAMPLEKEY000001', region: 'us-east-1' }, secrets: ['secretAccessKey'] },
  { id: 'godaddy', fields: { apiKey: 'gd-key-example' }, secrets: ['apiSecret'] },
  {
    id: 'azure',
    fields: {
      subscriptionId: '00000000-0000-4000-8000-000000000001',
      tenantId: '00000000-0000-4000-8000-000000000002',
      clientId: '00000000-0000-4000-8000-000000000003',
      resourceGroup: 'dns-rg',
    },
    secrets: ['clientSecret'],
  },
];

describe('DNS secrets of every provider stay in the keychain', () => {
  it('add, edit (replace) and map: no secret in the data directory, its logs or any CLI answer', () => {
    const dataDir = join(tempDir('dns-secrets'), 'data');
    const files = tempDir('dns-secrets-files');
    const used: { provider: string; field: string; value: string }[] = [];
    const answers: string[] = [];
    const fileFor = (value: string): string => {
      const f = join(files, `${randomBytes(6).toString('hex')}.secret`);
      writeFileSync(f, `${value}\n`, { mode: 0o600 });
      return f;
    };
    const run = (args: string[]): unknown => {
      const r = certdesk(dataDir, ['--json', ...args]);
      answers.push(r.stdout, r.stderr);
      return ok(r);
    };

    for (const p of PROVIDERS) {
      const name = `acct-${p.id}`;
      const fieldArgs = Object.entries(p.fields).flatMap(([k, v]) => ['--field', `${k}=${v}`]);
      const secretArgs = p.secrets.flatMap((s) => {
        const value = secret(`${p.id}-${s}`);
        used.push({ provider: p.id, field: s, value });
        return ['--secret-file', `${s}=${fileFor(value)}`];
      });
      const added = run(['dns', 'add', '--provider', p.id, '--name', name, ...fieldArgs, ...secretArgs]) as {
        provider: string;
        fields: Record<string, string>;
        secrets: Record<string, boolean>;
      };
      assert.equal(added.provider, p.id);
      for (const s of p.secrets) {
        assert.equal(added.secrets[s], true, `${p.id}: ${s} is stored`);
        assert.equal(added.fields[s], undefined, `${p.id}: ${s} is not a plain field`);
      }
      // Replace the first secret: the old and the new value must both be absent from every file.
      const first = p.secrets[0] as string;
      const replaced = secret(`${p.id}-${first}-new`);
      used.push({ provider: p.id, field: first, value: replaced });
      const edited = run(['dns', 'edit', name, '--secret-file', `${first}=${fileFor(replaced)}`]) as { secrets: Record<string, boolean> };
      assert.equal(edited.secrets[first], true);
      run(['dns', 'show', name]);
    }
    // A per-domain mapping carries its own RFC 2136 key secret.
    const mapSecret = secret('mapping-keySecret');
    used.push({ provider: 'rfc2136 mapping', field: 'keySecret', value: mapSecret });
    run(['dns', 'add', '--provider', 'rfc2136', '--name', 'per-domain', '--field', 'server=127.0.0.1', '--field', 'keyName=k', '--field', 'mode=per-domain', '--secret-file', `keySecret=${fileFor(secret('per-domain-account'))}`]);
    const mapping = run(['dns', 'map', 'shop.example.test', '--account', 'per-domain', '--zone', 'example.test', '--field', 'keyName=shop-key', '--secret-file', `keySecret=${fileFor(mapSecret)}`]) as {
      secrets: Record<string, boolean>;
    };
    assert.deepEqual(mapping.secrets, { keySecret: true });
    const listed = run(['dns', 'list']) as unknown[];
    assert.equal(listed.length, PROVIDERS.length + 1);
    run(['dns', 'mappings']);

    // The data directory exists now (db.json, logs); no secret, in any form a file could hold it, is there.
    for (const u of used) {
      const forms: (string | Buffer)[] = [Buffer.from(u.value).toString('base64'), Buffer.from(u.value).toString('hex')];
      // A base64 TSIG secret could also sit in a file as its raw bytes.
      if (/^[A-Za-z0-9+/]+=*$/.test(u.value)) forms.push(Buffer.from(u.value, 'base64'), Buffer.from(u.value, 'base64').toString('hex'));
      assert.deepEqual(findSecret([dataDir], u.value, forms), [], `${u.provider} ${u.field} found in clear in the data directory`);
      for (const a of answers) assert.ok(!a.includes(u.value), `${u.provider} ${u.field} appeared in a CLI answer`);
    }
    assert.ok(used.length >= 14, 'every provider contributed its secrets');
  });
});
