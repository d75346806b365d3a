// files:reveal (Show in folder after an export): the main process shows only files Certdesk itself wrote in
// this session, checked after normalising the path, and only while they are still files. Through dispatch()
// and createHandlers() as a window's call arrives, with a recording stand-in for the file manager.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createHandlers, type HandlerDeps } from '../../electron/app/handlers.ts';
import { headlessPlatform } from '../../electron/app/platform-services.ts';
import { WrittenFiles } from '../../electron/app/written-files.ts';
import { dispatch } from '../../shared/ipc/dispatch.ts';

const dir = mkdtempSync(join(tmpdir(), 'certdesk-reveal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function setup(opts: { fileManager?: boolean } = {}) {
  const exported = join(dir, `www-${Math.random().toString(36).slice(2)}.pfx`);
  const other = join(dir, 'not-ours.txt');
  writeFileSync(other, 'someone else wrote me');
  const shown: string[] = [];
  const platform = headlessPlatform({ ...(opts.fileManager === false ? {} : { onShowItemInFolder: (p: string) => (shown.push(p), true) }) });
  const deps = {
    repository: {
      export: async () => {
        writeFileSync(exported, 'pfx bytes');
        return [exported];
      },
    },
    showItemInFolder: (p: string) => platform.showItemInFolder!(p),
  } as unknown as HandlerDeps;
  const handlers = createHandlers(deps);
  const call = (channel: string, req: unknown) => dispatch(handlers, channel, req, { face: 'bridge' });
  return { exported, other, shown, call };
}

describe('files:reveal', () => {
  it('shows a file the export just wrote, and records exactly that path', async () => {
    const t = setup();
    const res = await t.call('certs:export', { id: 'c1', format: 'pfx', password: 'long-enough-1' });
    assert.deepEqual(res, { ok: true, value: { paths: [t.exported] } });
    assert.deepEqual(await t.call('files:reveal', { path: t.exported }), { ok: true, value: { shown: true } });
    assert.deepEqual(t.shown, [t.exported]);
    // The same file named with a detour is the same file.
    const detour = join(dir, 'sub', '..', t.exported.slice(dir.length + 1));
    assert.deepEqual(await t.call('files:reveal', { path: detour }), { ok: true, value: { shown: true } });
    assert.deepEqual(t.shown, [t.exported, t.exported]);
  });

  it('refuses a file Certdesk did not write, without opening anything', async () => {
    const t = setup();
    await t.call('certs:export', { id: 'c1', format: 'pfx', password: 'long-enough-1' });
    for (const path of [t.other, dir, '/etc/passwd', join(t.exported, '..', '..', 'etc', 'passwd')]) {
      const res = await t.call('files:reveal', { path });
      assert.equal(res.ok, false, path);
      if (!res.ok) {
        assert.equal(res.error.code, 'FORBIDDEN', path);
        assert.equal(res.error.field, 'path');
        assert.match(res.error.message, /only files it wrote itself/);
      }
    }
    assert.deepEqual(t.shown, []);
  });

  it('refuses relative paths and paths with control characters as invalid input', async () => {
    const t = setup();
    await t.call('certs:export', { id: 'c1', format: 'pfx', password: 'long-enough-1' });
    const name = t.exported.slice(dir.length + 1);
    for (const path of [name, `./${name}`, `${t.exported}\n`]) {
      const res = await t.call('files:reveal', { path });
      assert.equal(res.ok, false);
      if (!res.ok) assert.deepEqual([res.error.code, res.error.field], ['INVALID_INPUT', 'path'], JSON.stringify(path));
    }
    const empty = await t.call('files:reveal', { path: '' });
    assert.equal(empty.ok, false);
    assert.deepEqual(t.shown, []);
  });

  it('says the file is gone when it was deleted or replaced by a folder after the export', async () => {
    const t = setup();
    await t.call('certs:export', { id: 'c1', format: 'pfx', password: 'long-enough-1' });
    rmSync(t.exported);
    const gone = await t.call('files:reveal', { path: t.exported });
    assert.equal(gone.ok, false);
    if (!gone.ok) {
      assert.equal(gone.error.code, 'NOT_FOUND');
      assert.match(gone.error.message, /no longer there/);
    }
    mkdirSync(t.exported);
    const folder = await t.call('files:reveal', { path: t.exported });
    assert.equal(folder.ok, false);
    assert.deepEqual(t.shown, []);
  });

  it('answers shown: false where there is no file manager (headless without a stand-in)', async () => {
    const t = setup({ fileManager: false });
    await t.call('certs:export', { id: 'c1', format: 'pfx', password: 'long-enough-1' });
    assert.deepEqual(await t.call('files:reveal', { path: t.exported }), { ok: true, value: { shown: false } });
  });
});

describe('WrittenFiles', () => {
  it('forgets the oldest paths beyond its limit and ignores relative or empty entries', () => {
    const w = new WrittenFiles();
    w.add(['relative/file.pem', '', null, undefined]);
    assert.equal(w.has('relative/file.pem'), false);
    for (let i = 0; i < 501; i++) w.add([`/exports/${i}.pem`]);
    assert.equal(w.has('/exports/0.pem'), false);
    assert.equal(w.has('/exports/1.pem'), true);
    assert.equal(w.has('/exports/500.pem'), true);
    // Adding again makes a path the newest.
    w.add(['/exports/1.pem']);
    w.add(['/exports/extra.pem']);
    assert.equal(w.has('/exports/1.pem'), true);
    assert.equal(w.has('/exports/2.pem'), false);
  });

  it('accepts a symlink only under the name that was written, not its target', () => {
    const target = join(dir, 'target.pem');
    const link = join(dir, 'link.pem');
    writeFileSync(target, 'x');
    symlinkSync(target, link);
    const w = new WrittenFiles();
    w.add([link]);
    assert.equal(w.check(link), link);
    assert.throws(() => w.check(target), /only files it wrote itself/);
  });
});
