// The deploy-target seam (DESIGN.md §3): what Certdesk needs from a machine it places challenge files on and
// installs certificates to. Linux end servers implement it over SSH/SFTP (electron/deploy/ssh/); the Windows
// agent (issue 10) implements the same interface, so the http-01 solver and the Deployer never know which
// kind they talk to. Plain Node; nothing here imports electron.
import type { HostKey } from '../../shared/model/server.ts';

/** How Certdesk reaches an SSH server (secrets read from the keychain just before connecting). */
export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  auth: 'password' | 'key';
  password?: string | undefined;
  /** OpenSSH or PEM private key text. */
  privateKey?: string | undefined;
  passphrase?: string | undefined;
  /** The pinned host key: any other is refused (HOST_KEY error naming both fingerprints). */
  hostKey: HostKey;
}

/** A file to install: written under a temporary name in the same directory, then renamed over `path`. */
export interface RemoteFile {
  path: string;
  content: Buffer;
  /** POSIX mode, e.g. 0o600. */
  mode: number;
  /** `user`, `user:group` or `:group` (chown on the server); null/undefined: leave as created. */
  owner?: string | null | undefined;
}

/** What install() replaced, so restore() can put the previous files back. */
export interface InstallReceipt {
  entries: {
    path: string;
    /** Where the previous file was copied to before it was replaced; null when there was none. */
    backup: string | null;
  }[];
  /** installIis(): the binding as it was, so restore() can bind the previous certificate again. */
  iis?: IisReceipt | undefined;
}

/** An IIS https binding changed by an agent on Windows (issue 10). */
export interface IisReceipt {
  site: string;
  /** Thumbprint the binding had before; null when the site had no https binding. */
  previousThumbprint: string | null;
  thumbprint: string;
  hostname: string | null;
  port: number;
}

export interface CommandResult {
  /** null when the command was killed by a signal or timed out. */
  exitCode: number | null;
  /** stdout and stderr interleaved, at most 64 KiB (the tail is kept). */
  output: string;
}

/** One open connection to a target. Every method honours the signal; close() is always called. */
export interface TargetSession {
  /** For messages: `web1 (deploy@10.0.0.5:22)`. */
  readonly description: string;
  /**
   * Creates missing directories (mode 0755) and writes `content` atomically (temp file + rename), mode `mode`.
   * Used for http-01 challenge files. PERMISSION error naming the directory when it cannot be written.
   */
  putFile(path: string, content: string | Buffer, mode: number, signal: AbortSignal): Promise<void>;
  /** Removes a file; false when it was already gone (never throws for that). */
  removeFile(path: string, signal: AbortSignal): Promise<boolean>;
  /** Checks that a directory exists (or can be created) and can be written (a probe file is made and removed). */
  checkWritable(dir: string, signal: AbortSignal): Promise<void>;
  /**
   * Installs files one by one: copies each existing file to a backup beside it (`<path>.certdesk-backup`), writes
   * the new content to a temporary name, sets mode and owner, renames it into place. On an error part way,
   * restores what it already replaced before throwing.
   */
  install(files: RemoteFile[], signal: AbortSignal): Promise<InstallReceipt>;
  /** Puts the backed-up files back (and removes files that did not exist before). */
  restore(receipt: InstallReceipt, signal: AbortSignal): Promise<void>;
  /** Runs a shell command; never throws for a non-zero exit (the result says it). */
  run(command: string, signal: AbortSignal, opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /**
   * Windows agents only: imports the PKCS#12 into LocalMachine\\My and binds it to the IIS site's https binding.
   * The receipt's `iis` lets restore() bind the previous certificate again. Absent on targets that cannot.
   */
  installIis?(input: { pfx: Buffer; password: string; site: string; hostname: string | null }, signal: AbortSignal): Promise<InstallReceipt>;
  close(): void;
}

/** A machine Certdesk can open sessions to: an SSH end server now, a Windows agent later. */
export interface DeployTarget {
  readonly id: string;
  readonly name: string;
  readonly kind: 'ssh' | 'agent';
  open(signal: AbortSignal): Promise<TargetSession>;
}

/** A deploy target as mapping, deployment and messages see it, whatever its kind. */
export interface TargetInfo {
  id: string;
  name: string;
  kind: 'ssh' | 'agent';
  /** For messages: `web1 (deploy@10.0.0.5:22)`, `iis1 (agent https://10.0.0.9:9443)`. */
  description: string;
  /** Paths on it are Windows paths (C:\\...). */
  windows: boolean;
  /** What it can do (agents: webroot, self-serve, files, run, iis, served-serial; SSH servers: webroot, files, run). */
  capabilities: readonly string[];
}

/** The agents, as the ServerService (mappings) and the Deployer reach them (AgentService implements it). */
export interface AgentDirectory {
  /** By id, unique id prefix or name (case-insensitive); undefined when no agent matches. */
  find(idOrName: string): TargetInfo | undefined;
  /** Every paired agent, in the order they were paired. */
  list(): TargetInfo[];
  /** undefined when the agent no longer exists. */
  target(id: string): DeployTarget | undefined;
}

/** Where the http-01 files of a name go on a target. */
export function challengePath(webroot: string, token: string): string {
  return `${webroot.replace(/\/+$/, '')}/.well-known/acme-challenge/${token}`;
}

/** A webroot mapping as the http-01 solver and the resolver see it. */
export interface WebrootMapping {
  /** The mapped domain (covers subdomains; the most specific mapping of a name wins, several targets: a pool). */
  domain: string;
  targetId: string;
  targetName: string;
  /** An SSH end server or a Certdesk agent (the challenge view says which answers). */
  targetKind: 'ssh' | 'agent';
  webroot: string;
}

/**
 * What the order flow needs from the end servers (ServerService implements it): which targets answer http-01
 * for which domains, and a target to open.
 */
export interface TargetDirectory {
  webrootMappings(): WebrootMapping[];
  /** NOT_FOUND when the target no longer exists. */
  target(id: string): DeployTarget;
}

/** What the order flow calls after a certificate was issued or renewed (the Deployer implements it). */
export interface DeployHook {
  /**
   * Deploys the request's new certificate to every server mapped with Deploy on for one of its names (one after
   * another). Never throws for a failed deployment: each result is recorded (status, reason) and returned.
   */
  afterIssued(requestId: string, trigger: 'issued' | 'renewed', ctx: { signal: AbortSignal; step(step: string, message: string, item?: string): void }): Promise<{ ok: boolean; count: number }>;
}
