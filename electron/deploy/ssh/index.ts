// SSH transport for Linux end servers (DESIGN.md §3): host-key probing and pinning, and TargetSession over SSH +
// SFTP. ssh2 is imported lazily on first connection.
export { algorithmOf, fingerprintOf, hostKeyOf, probeHostKey } from './connect.ts';
export type { ProbeOptions } from './connect.ts';
export { BACKUP_SUFFIX, OWNER_RE, SshTarget, openSshSession, shellQuote } from './session.ts';
export type { SshSessionOptions } from './session.ts';
