// headlessPlatform: what the CLI and the bridge answer when a service asks for a file or notifies.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { headlessPlatform, safeFileName } from '../../electron/app/platform-services.ts';
import { createMemoryLogger } from '../../electron/core/logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'certdesk-platform-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('headlessPlatform', () => {
  it('answers null (cancelled) without an export folder', async () => {
    const p = headlessPlatform();
    assert.equal(await p.chooseSavePath({ title: 'Export key', defaultName: 'a.pem' }), null);
    assert.equal(await p.chooseOpenPath({ title: 'Open key' }), null);
  });

  it('puts exports in the export folder without overwriting', async () => {
    const p = headlessPlatform({ exportDir: dir });
    const first = await p.chooseSavePath({ title: 'Export key', defaultName: 'account.key.pem' });
    assert.equal(first, join(dir, 'account.key.pem'));
    writeFileSync(first!, 'x');
    assert.equal(await p.chooseSavePath({ title: 'Export key', defaultName: 'account.key.pem' }), join(dir, 'account.key-2.pem'));
  });

  it('keeps a hostile suggested name inside the export folder', async () => {
    const p = headlessPlatform({ exportDir: dir });
    for (const name of ['../../etc/passwd', '..\\..\\win.ini', '/abs/x.pem', '..', '', 'a:b?.pem']) {
      const path = await p.chooseSavePath({ title: 't', defaultName: name });
      assert.equal(dirname(path!), dir, `${name} -> ${path}`);
    }
  });

  it('logs notifications instead of showing them', () => {
    const logger = createMemoryLogger();
    headlessPlatform({ logger }).notify({ title: 'Renewed', body: 'example.com was renewed.' });
    assert.ok(logger.lines.some((l) => l.includes('Renewed') && l.includes('example.com was renewed.')));
  });
});

describe('safeFileName', () => {
  it('keeps ordinary names', () => assert.equal(safeFileName('example.com.pfx'), 'example.com.pfx'));
  it('drops folders and leading dots', () => {
    assert.equal(safeFileName('../x/.hidden'), 'hidden');
    assert.equal(safeFileName('..'), 'export');
  });
  it('replaces characters Windows refuses', () => assert.equal(safeFileName('a<b>c:d|e?.pem'), 'a_b_c_d_e_.pem'));
});
