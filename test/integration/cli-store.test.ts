// The data directory and db.json as a `certdesk` user meets them: the built CLI, the real keychain (gnome-keyring
// of the test bed) and real Pebble. Bad input on a new directory leaves nothing behind; a bad record hides only
// itself; a lost db.json beside encrypted keys is diagnosed and never replaced; --data-dir errors name the flag.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bedEnv, filesBelow, pebble, tempDir } from '../helpers/bed.ts';

const CLI = join(process.cwd(), 'out/cli/certdesk.cjs');

function certdesk(dataDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: { code: number | null; stdout: string; stderr: string }) {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Names of the Certdesk data keys in the bed's gnome-keyring, as secret-tool sees them. */
function dataKeysInKeychain(): string[] {
  bedEnv('DBUS_SESSION_BUS_ADDRESS');
  const r = spawnSync('secret-tool', ['search', '--all', 'service', 'Certdesk'], { encoding: 'utf8', timeout: 10_000 });
  assert.notEqual(r.status, null, `secret-tool did not run: ${r.error}`);
  const names = [...`${r.stdout}\n${r.stderr}`.matchAll(/^attribute\.username = (data-key\/\S+)$/gm)].map((m) => m[1]!);
  return names.sort();
}

function register(dataDir: string, email: string) {
  const P = pebble();
  return json(certdesk(dataDir, '--json', 'account', 'register', '--email', email, '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos'));
}

describe('certdesk CLI: the data directory and db.json', () => {
  it('commands that fail validation (or only read) on a new --data-dir create nothing: no folder, no db.json, no data key', () => {
    const P = pebble();
    const keysBefore = dataKeysInKeychain();
    const d = join(tempDir('cli-nothing'), 'data');
    const badEmail = certdesk(d, 'account', 'register', '--email', 'not-an-address', '--directory', P.directory, '--ca-file', P.caFile, '--agree-tos');
    assert.equal(badEmail.code, 2, badEmail.stderr);
    const noTos = certdesk(d, 'account', 'register', '--email', 'a@example.test', '--directory', P.directory, '--ca-file', P.caFile);
    assert.notEqual(noTos.code, 0);
    const noCa = certdesk(d, 'account', 'register', '--email', 'a@example.test', '--directory', P.directory, '--ca-file', join(d, 'missing-ca.pem'), '--agree-tos');
    assert.notEqual(noCa.code, 0);
    const badRequest = certdesk(d, 'request', 'create', '--domains', 'bad name!', '--challenge', 'http-01', '--key', 'ec-p256');
    assert.notEqual(badRequest.code, 0);
    assert.deepEqual(json(certdesk(d, '--json', 'account', 'show')), [], 'a read on a new directory works');
    assert.equal(json(certdesk(d, '--json', 'info')).dataDir, d);

    assert.equal(existsSync(d), false, 'no data directory (no db.json, no logs, no lock)');
    assert.deepEqual(dataKeysInKeychain(), keysBefore, 'no data key was added to the keychain');

    // The first command that really stores something creates it all.
    const acct = register(d, 'first@example.test');
    assert.equal(acct.status, 'valid');
    assert.ok(existsSync(join(d, 'db.json')));
    assert.equal(dataKeysInKeychain().length, keysBefore.length + 1);
  });

  it('--data-dir naming a file, a path below a file or an unwritable place is refused naming --data-dir; the file is untouched', () => {
    const f = join(tempDir('cli-datadir-file'), 'not-a-folder');
    writeFileSync(f, 'mine');
    const r = certdesk(f, 'account', 'show');
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.ok(r.stderr.startsWith(`certdesk: --data-dir: The data directory ${f} is a file, not a folder.`), r.stderr);
    assert.match(r.stderr, /Hint: Choose a folder you may write to with --data-dir/);
    const below = certdesk(join(f, 'sub'), 'account', 'show');
    assert.equal(below.code, 2);
    assert.ok(below.stderr.includes(`--data-dir: The data directory ${join(f, 'sub')} cannot be created: ${f} is a file, not a folder.`), below.stderr);
    assert.equal(readFileSync(f, 'utf8'), 'mine');
    // A place where no folder can be made (sysfs refuses even root): said at once, also for a command that only reads.
    const unwritable = certdesk('/sys/certdesk-cli-test', 'account', 'show');
    assert.equal(unwritable.code, 2, unwritable.stderr);
    assert.match(unwritable.stderr, /^certdesk: --data-dir: The data directory \/sys\/certdesk-cli-test cannot be created: .*\/sys/);
  });

  it('one odd account status among three: the other two are listed and usable, info names the record, saves keep it', () => {
    const d = tempDir('cli-odd');
    const real = register(d, 'odd@example.test');
    const dbPath = join(d, 'db.json');
    const db = JSON.parse(readFileSync(dbPath, 'utf8'));
    const stored = db.accounts[0];
    const odd = { ...stored, id: 'odd-0000-0000', name: 'Odd', directoryUrl: 'https://odd.example.test/dir', status: 'suspended' };
    const other = { ...stored, id: 'other-000-0000', name: 'Other', directoryUrl: 'https://other.example.test/dir' };
    db.accounts = [stored, odd, other];
    writeFileSync(dbPath, JSON.stringify(db, null, 2));

    const shown = certdesk(d, '--json', 'account', 'show');
    const list = json(shown);
    assert.deepEqual(list.map((a: { id: string }) => a.id), [real.id, other.id], 'the other two accounts are listed');
    assert.match(shown.stderr, /warning: 1 record\(s\) in db\.json set aside .*accounts\[1\] \(id "odd-0000-0000"\): status: expected one of "valid", "deactivated", "revoked", found "suspended"/);

    const info = json(certdesk(d, '--json', 'info'));
    assert.deepEqual(info.storeProblems.map((p: { collection: string; index: number; field: string }) => [p.collection, p.index, p.field]), [['accounts', 1, 'status']]);
    const human = certdesk(d, 'info');
    assert.match(human.stdout, /Database +1 record\(s\) set aside .*\n +accounts\[1\] \(id "odd-0000-0000"\): status:/);

    // Usable: the account talks to the CA and can be changed; the odd record stays as it was, where it was.
    assert.equal(json(certdesk(d, '--json', 'account', 'show', '--id', real.id, '--refresh')).status, 'valid');
    assert.equal(json(certdesk(d, '--json', 'account', 'update', '--id', real.id, '--name', 'Renamed')).name, 'Renamed');
    const after = JSON.parse(readFileSync(dbPath, 'utf8'));
    assert.equal(after.accounts.length, 3);
    assert.deepEqual(after.accounts[1], odd);
    assert.equal(after.accounts[0].name, 'Renamed');
  });

  it('a missing or blank db.json beside encrypted keys is diagnosed and not replaced; db.json.bak brings it back', () => {
    const d = tempDir('cli-lostdb');
    const acct = register(d, 'lost@example.test');
    json(certdesk(d, '--json', 'account', 'update', '--name', 'Kept'));
    const dbPath = join(d, 'db.json');
    const keyFiles = filesBelow(join(d, 'accounts')).filter((f) => f.endsWith('.key'));
    assert.equal(keyFiles.length, 1);
    const keyBytes = readFileSync(keyFiles[0]!);
    const keysBefore = dataKeysInKeychain();

    rmSync(dbPath);
    const missing = certdesk(d, 'account', 'show');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1, 'one line');
    assert.ok(missing.stderr.includes(`The Certdesk database ${dbPath} is missing, but the data directory ${d} holds 1 encrypted key file`), missing.stderr);
    assert.ok(missing.stderr.includes(`${dbPath}.bak`), 'offers the backup');
    assert.doesNotMatch(missing.stderr, /missing from the keychain|move this data directory away/, 'does not blame the keychain');
    assert.equal(existsSync(dbPath), false, 'db.json still absent');
    assert.deepEqual(readFileSync(keyFiles[0]!), keyBytes, 'key intact');
    assert.deepEqual(dataKeysInKeychain(), keysBefore, 'no new data key');

    writeFileSync(dbPath, '');
    const blank = certdesk(d, 'account', 'show');
    assert.equal(blank.code, 1);
    assert.match(blank.stderr, /db\.json is empty, but the data directory .* holds 1 encrypted key file/);
    assert.equal(readFileSync(dbPath, 'utf8'), '', 'the blank file is left as it is');
    assert.deepEqual(readFileSync(keyFiles[0]!), keyBytes);

    copyFileSync(`${dbPath}.bak`, dbPath);
    const back = json(certdesk(d, '--json', 'account', 'show', '--refresh'));
    assert.equal(back.id, acct.id);
    assert.equal(back.status, 'valid', 'the key opens and the CA knows the account');
  });

  it('logs/ is 0700 and the log 0600; temp files left by a killed write are removed at the next start', () => {
    const d = tempDir('cli-housekeeping');
    register(d, 'house@example.test');
    assert.equal(statSync(join(d, 'logs')).mode & 0o777, 0o700);
    assert.equal(statSync(join(d, 'logs', 'certdesk.log')).mode & 0o777, 0o600);
    mkdirSync(join(d, 'accounts'), { recursive: true });
    const leftovers = [join(d, '.db.json.999999.0123456789ab.tmp'), join(d, 'accounts', '.x.key.4242.abcdefabcdef.tmp')];
    for (const f of leftovers) writeFileSync(f, '{"half": ');
    const mine = join(d, 'notes.tmp');
    writeFileSync(mine, 'not ours');
    json(certdesk(d, '--json', 'account', 'show'));
    for (const f of leftovers) assert.equal(existsSync(f), false, `${f} removed`);
    assert.equal(existsSync(mine), true, 'files that are not ours stay');
  });
});
