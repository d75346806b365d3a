// The agent's state directory: its TLS identity (key.pem, cert.pem, identity.json), the pairing (pairing.json:
// the HMAC secret Certdesk chose, when, and who) and, while unpaired, the current one-time code
// (pairing-code.txt). Every file is written whole (temp file + rename) with mode 0600 and the folder is 0700:
// the secret and the private key are readable by the service account only.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/ipc/errors.ts';
import { PAIRING_CODE_RE, newPairingCode } from './protocol.ts';
import { createTlsIdentity, pemFingerprint, type TlsIdentity } from './tls-identity.ts';

export interface PairingState {
  /** The HMAC key, base64 (32 bytes). */
  secret: string;
  pairedAt: string;
  client: string;
}

export const STATE_FILES = {
  key: 'key.pem',
  cert: 'cert.pem',
  identity: 'identity.json',
  pairing: 'pairing.json',
  code: 'pairing-code.txt',
  log: 'agent.log',
} as const;

/** Writes a file atomically with mode 0600 (the mode is set again after the rename: umask and old files). */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(tmp, content, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  chmodSync(path, 0o600);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export class AgentState {
  constructor(readonly dir: string) {}

  path(name: keyof typeof STATE_FILES): string {
    return join(this.dir, STATE_FILES[name]);
  }

  /**
   * Creates the folder (0700) when missing; a folder that cannot be made is a clear start-up error. On Windows,
   * modes mean nothing and a folder under ProgramData inherits read access for every local user, who could then
   * read the secret and drive the agent: the folder's ACL is replaced by one for SYSTEM, Administrators and the
   * account the agent runs as (icacls, at every start).
   */
  ensureDir(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      if (process.platform === 'win32') restrictWindowsAcl(this.dir, currentUserSid());
    } catch (err) {
      throw new AppError('PERMISSION', `Cannot create the state directory ${this.dir}: ${(err as Error).message}.`, {
        field: 'stateDir',
        hint: 'Choose a folder the agent\'s account can write (--state-dir), or create it and give that account access.',
      });
    }
  }

  /** Loads the key and certificate, making them at first start. */
  async identity(): Promise<TlsIdentity> {
    const keyPem = readText(this.path('key'));
    const certPem = readText(this.path('cert'));
    if (keyPem && certPem) return { keyPem, certPem, fingerprint: pemFingerprint(certPem) };
    const id = await createTlsIdentity(hostname());
    writePrivateFile(this.path('key'), id.keyPem);
    writePrivateFile(this.path('cert'), id.certPem);
    writePrivateFile(this.path('identity'), `${JSON.stringify({ fingerprint: id.fingerprint, hostname: hostname(), createdAt: new Date().toISOString() }, null, 2)}\n`);
    return id;
  }

  /** The stored fingerprint without loading the key (for `pairing-code`); null before the first start. */
  fingerprint(): string | null {
    const certPem = readText(this.path('cert'));
    return certPem ? pemFingerprint(certPem) : null;
  }

  readPairing(): PairingState | null {
    const text = readText(this.path('pairing'));
    if (text === null) return null;
    let p: Partial<PairingState>;
    try {
      p = JSON.parse(text) as Partial<PairingState>;
    } catch {
      throw new AppError('INTERNAL', `${this.path('pairing')} is not valid JSON.`, { hint: 'Run `certdesk-agent unpair` and pair again.' });
    }
    if (typeof p.secret !== 'string' || Buffer.from(p.secret, 'base64').length !== 32) {
      throw new AppError('INTERNAL', `${this.path('pairing')} holds no valid secret.`, { hint: 'Run `certdesk-agent unpair` and pair again.' });
    }
    return { secret: p.secret, pairedAt: String(p.pairedAt ?? ''), client: String(p.client ?? '') };
  }

  savePairing(p: PairingState): void {
    writePrivateFile(this.path('pairing'), `${JSON.stringify(p, null, 2)}\n`);
    this.removeCode();
  }

  /** Forgets the pairing; true when there was one. */
  clearPairing(): boolean {
    const had = existsSync(this.path('pairing'));
    rmSync(this.path('pairing'), { force: true });
    return had;
  }

  readCode(): string | null {
    const text = readText(this.path('code'))?.trim() ?? null;
    return text && PAIRING_CODE_RE.test(text) ? text : null;
  }

  /** The current code (kept across restarts until used), or a new one. */
  ensureCode(): string {
    return this.readCode() ?? this.newCode();
  }

  newCode(): string {
    const code = newPairingCode();
    writePrivateFile(this.path('code'), `${code}\n`);
    return code;
  }

  removeCode(): void {
    rmSync(this.path('code'), { force: true });
  }
}

/** Well-known SIDs (locale-independent, unlike the names): LocalSystem and the Administrators group. */
export const SID_SYSTEM = 'S-1-5-18';
export const SID_ADMINISTRATORS = 'S-1-5-32-544';

/**
 * icacls arguments that drop inherited entries and grant full control to SYSTEM, Administrators and `userSid`
 * (the agent's own account when it is neither), for the folder and everything created in it.
 */
export function icaclsArgs(dir: string, userSid: string | null): string[] {
  const sids = [SID_SYSTEM, SID_ADMINISTRATORS, ...(userSid && userSid !== SID_SYSTEM ? [userSid] : [])];
  return [dir, '/inheritance:r', '/grant:r', ...sids.map((sid) => `*${sid}:(OI)(CI)F`), '/Q'];
}

/** The SID of the account this process runs as (`whoami /user /fo csv /nh` → "name","S-1-…"), or null. */
export function parseWhoamiSid(output: string): string | null {
  const m = /"(S-1-[0-9-]+)"\s*$/m.exec(output.trim());
  return m ? m[1]! : null;
}

function currentUserSid(): string | null {
  try {
    return parseWhoamiSid(execFileSync('whoami', ['/user', '/fo', 'csv', '/nh'], { encoding: 'utf8', windowsHide: true, timeout: 10_000 }));
  } catch {
    return null;
  }
}

function restrictWindowsAcl(dir: string, userSid: string | null): void {
  try {
    execFileSync('icacls', icaclsArgs(dir, userSid), { windowsHide: true, timeout: 30_000, stdio: 'pipe' });
  } catch (err) {
    throw new Error(`could not restrict the folder's access to SYSTEM, Administrators and the agent's account (icacls: ${(err as Error).message})`);
  }
}

/** The lines an administrator copies into Certdesk. */
export function pairingLines(code: string, fingerprint: string): string {
  return `Pairing code: ${code}\nCertificate: ${fingerprint}\n`;
}
