// The file intake and output helpers (electron/core/files.ts): what a user-named path may be, and how exports
// are written. Real files, FIFOs and devices; no test bed needed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/ipc/errors.ts';
import { MAX_PEM_BYTES, PickedFiles, readUserFile, writeUserFile, writeUserFolder } from '../../electron/core/files.ts';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), `certdesk-files-${p}-`));

function mkfifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

async function refused(p: Promise<unknown>, code: string, message: RegExp, field?: string): Promise<AppError> {
  const err = await p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError, `an AppError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  if (field) assert.equal(err.field, field);
  return err;
}

const intake = { field: 'caFile', label: 'CA file' };

/** Resolves when `p` settles, or rejects after `ms` ms. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}

describe('file intake (readUserFile)', () => {
  it('reads a regular file', async () => {
    const f = join(tmp('read'), 'ca.pem');
    writeFileSync(f, 'hello');
    assert.equal((await readUserFile(f, intake)).toString(), 'hello');
  });

  it('names a missing file, a folder, a device and a FIFO precisely', async () => {
    const d = tmp('kinds');
    await refused(readUserFile(join(d, 'nope.pem'), intake), 'INVALID_INPUT', /CA file .*nope\.pem cannot be read \(no such file\)/, 'caFile');
    await refused(readUserFile(d, intake), 'INVALID_INPUT', /is not a regular file: it is a folder/, 'caFile');
    await refused(readUserFile('/dev/zero', intake), 'INVALID_INPUT', /\/dev\/zero is not a regular file: it is a character device/);
    const fifo = mkfifo(join(d, 'fifo.pem'));
    await refused(within(readUserFile(fifo, intake), 2000, 'reading a FIFO'), 'INVALID_INPUT', /is not a regular file: it is a named pipe \(FIFO\)/);
  });

  it('refuses an oversized file and says the limit', async () => {
    const f = join(tmp('big'), 'big.pem');
    writeFileSync(f, '');
    truncateSync(f, MAX_PEM_BYTES + 1);
    await refused(readUserFile(f, intake), 'INVALID_INPUT', /is too large: 1(\.0)? MiB, the limit is 1 MiB/);
    const small = join(tmp('small'), 's.txt');
    writeFileSync(small, 'x'.repeat(100));
    await refused(readUserFile(small, { ...intake, maxBytes: 64 }), 'INVALID_INPUT', /100 bytes, the limit is 64 bytes/);
  });

  it('many FIFO reads at once neither hang nor starve the file thread pool', async () => {
    const d = tmp('fifos');
    const fifos = Array.from({ length: 8 }, (_, i) => mkfifo(join(d, `f${i}`)));
    const results = await within(Promise.allSettled(fifos.map((f) => readUserFile(f, intake))), 3000, '8 FIFO reads');
    for (const r of results) assert.equal(r.status, 'rejected');
    // libuv's pool (4 threads) is free: an ordinary file read still completes.
    const plain = join(d, 'plain.txt');
    writeFileSync(plain, 'ok');
    assert.equal(await within(readFile(plain, 'utf8'), 2000, 'a later file read'), 'ok');
  });
});

describe('file output (writeUserFile / writeUserFolder)', () => {
  const setup = () => {
    const root = tmp('out');
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(join(dataDir, 'db.json'), '{"keep":true}\n');
    const outDir = join(root, 'exports');
    mkdirSync(outDir);
    return { root, dataDir, outDir };
  };

  it('writes a new file with the requested mode and leaves no temporary file', async () => {
    const { dataDir, outDir } = setup();
    const target = join(outDir, 'key.pem');
    assert.equal(await writeUserFile(target, 'KEY', 0o600, { force: false, dataDir, field: 'out' }), target);
    assert.equal(readFileSync(target, 'utf8'), 'KEY');
    assert.equal(statSync(target).mode & 0o777, 0o600);
    const pub = join(outDir, 'cert.pem');
    await writeUserFile(pub, 'CERT', 0o644, { force: false, dataDir, field: 'out' });
    assert.equal(statSync(pub).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(outDir).sort(), ['cert.pem', 'key.pem']);
  });

  it('refuses an existing file (untouched) unless force, naming --out and --force', async () => {
    const { dataDir, outDir } = setup();
    const target = join(outDir, 'site.pfx');
    writeFileSync(target, 'precious');
    const err = await refused(writeUserFile(target, 'new', 0o600, { force: false, dataDir, field: 'out', flag: '--out' }), 'CONFLICT', /site\.pfx already exists/, 'out');
    assert.match(err.hint ?? '', /--out.*--force/);
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    await writeUserFile(target, 'new', 0o600, { force: true, dataDir, field: 'out' });
    assert.equal(readFileSync(target, 'utf8'), 'new');
    assert.deepEqual(readdirSync(outDir), ['site.pfx']);
  });

  it('never writes into the data directory: db.json, a new file there, a symlinked parent, even with force', async () => {
    const { root, dataDir } = setup();
    for (const force of [false, true]) {
      await refused(writeUserFile(join(dataDir, 'db.json'), 'x', 0o600, { force, dataDir, field: 'out' }), 'INVALID_INPUT', /inside Certdesk's data directory/, 'out');
      await refused(writeUserFile(join(dataDir, 'new.pem'), 'x', 0o600, { force, dataDir, field: 'out' }), 'INVALID_INPUT', /inside Certdesk's data directory/);
    }
    const link = join(root, 'innocent');
    symlinkSync(dataDir, link);
    await refused(writeUserFile(join(link, 'db.json'), 'x', 0o600, { force: true, dataDir, field: 'out' }), 'INVALID_INPUT', /inside Certdesk's data directory/);
    // The data directory named through a symlink is found too.
    await refused(writeUserFile(join(dataDir, 'x.pem'), 'x', 0o600, { force: true, dataDir: link, field: 'out' }), 'INVALID_INPUT', /inside Certdesk's data directory/);
    await refused(writeUserFolder(link, [{ name: 'cert.pem', data: 'c', mode: 0o644 }], { force: true, dataDir, field: 'out' }), 'INVALID_INPUT', /inside Certdesk's data directory/);
    await refused(writeUserFolder(join(dataDir, 'pem'), [{ name: 'cert.pem', data: 'c', mode: 0o644 }], { force: true, dataDir, field: 'out' }), 'INVALID_INPUT', /inside/);
    assert.equal(readFileSync(join(dataDir, 'db.json'), 'utf8'), '{"keep":true}\n');
    assert.deepEqual(readdirSync(dataDir), ['db.json']);
  });

  it('replaces a symlink at the target instead of writing through it', async () => {
    const { dataDir, outDir } = setup();
    const target = join(outDir, 'link.pem');
    symlinkSync(join(dataDir, 'db.json'), target);
    await refused(writeUserFile(target, 'x', 0o600, { force: false, dataDir, field: 'out' }), 'CONFLICT', /already exists/);
    await writeUserFile(target, 'x', 0o600, { force: true, dataDir, field: 'out' });
    assert.equal(readFileSync(target, 'utf8'), 'x');
    assert.equal(readFileSync(join(dataDir, 'db.json'), 'utf8'), '{"keep":true}\n');
  });

  it('writes through a 0600 temporary file and removes it when the write fails', async () => {
    const { dataDir, outDir } = setup();
    const target = join(outDir, 'site.jks');
    let seen = '';
    await refused(
      writeUserFile(target, 'data', 0o644, {
        force: false,
        dataDir,
        field: 'out',
        beforePlace: async (t) => {
          seen = t;
          assert.equal(statSync(t).mode & 0o777, 0o644, 'the final mode is set on the temp file before it is moved');
          throw new AppError('INTERNAL', 'simulated crash before rename');
        },
      }),
      'INTERNAL',
      /simulated/,
    );
    assert.match(seen, /\/\.site\.jks\.\d+\.[0-9a-f]+\.tmp$/);
    assert.deepEqual(readdirSync(outDir), [], 'neither the target nor the temp file remains');

    // A 0600 file never exists with wider bits, not even for a moment: the temp file is created 0600.
    await writeUserFile(target, 'data', 0o600, {
      force: false,
      dataDir,
      field: 'out',
      beforePlace: async (t) => assert.equal(statSync(t).mode & 0o777, 0o600),
    });

    // Someone creates the target meanwhile: no clobbering, no leftover.
    const raced = join(outDir, 'raced.pem');
    await refused(
      writeUserFile(raced, 'mine', 0o600, { force: false, dataDir, field: 'out', beforePlace: async () => writeFileSync(raced, 'theirs') }),
      'CONFLICT',
      /already exists/,
    );
    assert.equal(readFileSync(raced, 'utf8'), 'theirs');
    assert.deepEqual(readdirSync(outDir).sort(), ['raced.pem', 'site.jks']);
  });

  it('refuses a folder as a file target and a missing parent folder', async () => {
    const { dataDir, outDir } = setup();
    await refused(writeUserFile(outDir, 'x', 0o600, { force: true, dataDir, field: 'out' }), 'INVALID_INPUT', /is a folder/);
    await refused(writeUserFile(join(outDir, 'no', 'such', 'k.pem'), 'x', 0o600, { force: false, dataDir, field: 'out' }), 'INVALID_INPUT', /does not exist/);
  });

  it('PEM folder: created 0700; refused when any file exists (nothing written) unless force', async () => {
    const { dataDir, outDir } = setup();
    const files = [
      { name: 'cert.pem', data: 'C', mode: 0o644 },
      { name: 'privkey.pem', data: 'K', mode: 0o600 },
    ];
    const folder = join(outDir, 'www');
    const written = await writeUserFolder(folder, files, { force: false, dataDir, field: 'out' });
    assert.deepEqual(written, [join(folder, 'cert.pem'), join(folder, 'privkey.pem')]);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    assert.equal(statSync(join(folder, 'privkey.pem')).mode & 0o777, 0o600);

    const other = join(outDir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'privkey.pem'), 'old key');
    await refused(writeUserFolder(other, files, { force: false, dataDir, field: 'out', flag: '--out' }), 'CONFLICT', /already holds privkey\.pem/, 'out');
    assert.deepEqual(readdirSync(other), ['privkey.pem'], 'cert.pem was not written either');
    assert.equal(readFileSync(join(other, 'privkey.pem'), 'utf8'), 'old key');
    await writeUserFolder(other, files, { force: true, dataDir, field: 'out' });
    assert.equal(readFileSync(join(other, 'privkey.pem'), 'utf8'), 'K');

    const file = join(outDir, 'plain');
    writeFileSync(file, '');
    await refused(writeUserFolder(file, files, { force: true, dataDir, field: 'out' }), 'INVALID_INPUT', /is not a folder/);
    assert.ok(existsSync(file));
  });
});

describe('picked files (handles for the window)', () => {
  it('gives the content back for its purpose only, and forgets it after the time limit', () => {
    let now = 1_000;
    const picked = new PickedFiles(60_000, 2, () => now);
    const h = picked.add('account-key', 'a.pem', 'KEY');
    assert.match(h, /^[0-9a-f]{32}$/);
    assert.equal(picked.get(h, 'account-key', 'keyHandle'), 'KEY');
    assert.throws(() => picked.get(h, 'certificate-key', 'importKeyHandle'), /picked for something else/);
    assert.throws(() => picked.get('nope', 'account-key', 'keyHandle'), /no longer available/);
    now += 61_000;
    assert.throws(() => picked.get(h, 'account-key', 'keyHandle'), /no longer available/);
    const a = picked.add('x', 'a', '1');
    picked.add('x', 'b', '2');
    picked.add('x', 'c', '3');
    assert.throws(() => picked.get(a, 'x', 'f'), /no longer available/, 'only the newest entries are kept');
  });
});
