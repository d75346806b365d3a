// DNS over the wire for the providers and the propagation check: one request/response exchange with a
// named server over UDP (TCP when the message is too large for a plain UDP datagram or the answer comes back
// truncated), and plain queries built with dns-packet. Node's own resolver (c-ares) cannot do what we need
// here: ask one authoritative server without recursion, see the AA flag and the authority section, or send
// an UPDATE.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import { AppError } from '../../shared/ipc/errors.ts';

/** Largest message sent over UDP without EDNS (RFC 1035 §4.2.1). */
export const UDP_LIMIT = 512;

export interface ServerAddress {
  host: string;
  port: number;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
export function parseServer(spec: string, defaultPort = 53): ServerAddress {
  const s = spec.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) return { host: bracket[1]!, port: bracket[2] ? checkPort(bracket[2], spec) : defaultPort };
  if (net.isIPv6(s)) return { host: s, port: defaultPort };
  const m = /^([^:\s/]+)(?::(\d+))?$/.exec(s);
  if (!m) throw AppError.invalid('server', `"${spec}" is not a DNS server (expected host or host:port).`);
  return { host: m[1]!, port: m[2] ? checkPort(m[2], spec) : defaultPort };
}

function checkPort(p: string, spec: string): number {
  const n = Number(p);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw AppError.invalid('server', `"${spec}": port must be 1-65535.`);
  return n;
}

export function formatServer(a: ServerAddress): string {
  const host = net.isIPv6(a.host) ? `[${a.host}]` : a.host;
  return `${host}:${a.port}`;
}

/** Parses `host:port[,host:port...]` (the format of CERTDESK_DNS_SERVERS). */
export function parseServerList(list: string, defaultPort = 53): ServerAddress[] {
  return list
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((s) => parseServer(s, defaultPort));
}

export interface ExchangeOptions {
  /** Per attempt, ms. */
  timeoutMs?: number;
  /** UDP attempts before giving up (TCP gets one, it has its own retransmission). */
  tries?: number;
  signal?: AbortSignal;
  /** Use TCP from the start. */
  tcp?: boolean;
}

export interface Exchanged {
  response: Buffer;
  transport: 'udp' | 'tcp';
}

function cancelled(): AppError {
  return new AppError('CANCELLED', 'The DNS operation was cancelled.');
}

async function resolveHost(host: string): Promise<{ address: string; family: 4 | 6 }> {
  if (net.isIPv4(host)) return { address: host, family: 4 };
  if (net.isIPv6(host)) return { address: host, family: 6 };
  try {
    const r = await lookup(host);
    return { address: r.address, family: r.family === 6 ? 6 : 4 };
  } catch (err) {
    throw new AppError('NETWORK', `The DNS server name ${host} could not be resolved (${(err as { code?: string }).code ?? String(err)}).`, {
      hint: 'Check the server name, or give its IP address.',
    });
  }
}

/**
 * Sends `message` to `server` and returns the answer with the same ID. Over UDP when it fits in 512 bytes,
 * retried on timeout; over TCP when it does not, when asked, or when the UDP answer has TC set.
 * `sign` (optional) re-signs the message for the TCP retry (a TSIG carries the time it was signed).
 */
export async function exchange(server: ServerAddress, message: Buffer, opts: ExchangeOptions = {}): Promise<Exchanged> {
  if (opts.signal?.aborted) throw cancelled();
  const { address, family } = await resolveHost(server.host);
  const target = { address, family, port: server.port };
  if (!opts.tcp && message.length <= UDP_LIMIT) {
    const r = await udpExchange(target, message, opts);
    const truncated = (r.readUInt16BE(2) & 0x0200) !== 0;
    if (!truncated) return { response: r, transport: 'udp' };
  }
  return { response: await tcpExchange(target, message, opts), transport: 'tcp' };
}

interface Target {
  address: string;
  family: 4 | 6;
  port: number;
}

function where(t: Target): string {
  return formatServer({ host: t.address, port: t.port });
}

function udpExchange(t: Target, message: Buffer, opts: ExchangeOptions): Promise<Buffer> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const tries = Math.max(1, opts.tries ?? 3);
  const id = message.readUInt16BE(0);
  return new Promise<Buffer>((resolve, reject) => {
    const sock = dgram.createSocket(t.family === 6 ? 'udp6' : 'udp4');
    let attempt = 0;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const done = (err: Error | null, buf?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sock.close();
      if (err) reject(err);
      else resolve(buf!);
    };
    const onAbort = () => done(cancelled());
    const send = () => {
      attempt += 1;
      if (finished) return;
      sock.send(message, t.port, t.address, (err) => {
        if (err) done(new AppError('NETWORK', `The DNS server ${where(t)} could not be reached (${err.message}).`));
      });
      timer = setTimeout(() => {
        if (attempt < tries) send();
        else
          done(
            new AppError('NETWORK', `The DNS server ${where(t)} did not answer (${tries} tries over UDP, ${timeoutMs} ms each).`, {
              hint: 'Check the server address and port, and that a firewall lets DNS (UDP and TCP) through.',
            }),
          );
      }, timeoutMs);
    };
    sock.on('message', (buf, rinfo) => {
      // Only the server we asked, with our ID (anything else is stray or spoofed).
      if (rinfo.port !== t.port || rinfo.address !== t.address || buf.length < 12 || buf.readUInt16BE(0) !== id) return;
      done(null, buf);
    });
    sock.on('error', (err) => done(new AppError('NETWORK', `DNS over UDP to ${where(t)} failed (${err.message}).`)));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.bind(0, () => send());
  });
}

function tcpExchange(t: Target, message: Buffer, opts: ExchangeOptions): Promise<Buffer> {
  const timeoutMs = (opts.timeoutMs ?? 2000) * 2;
  const id = message.readUInt16BE(0);
  return new Promise<Buffer>((resolve, reject) => {
    const sock = net.connect({ host: t.address, port: t.port, family: t.family });
    let buf = Buffer.alloc(0);
    let finished = false;
    const done = (err: Error | null, out?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(out!);
    };
    const onAbort = () => done(cancelled());
    const timer = setTimeout(
      () => done(new AppError('NETWORK', `The DNS server ${where(t)} did not answer over TCP within ${timeoutMs} ms.`)),
      timeoutMs,
    );
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      sock.write(Buffer.concat([len, message]));
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (buf.length < 2 + n) return;
        const msg = buf.subarray(2, 2 + n);
        buf = buf.subarray(2 + n);
        if (msg.length >= 12 && msg.readUInt16BE(0) === id) return done(null, Buffer.from(msg));
      }
    });
    sock.on('error', (err) => done(new AppError('NETWORK', `DNS over TCP to ${where(t)} failed (${err.message}).`)));
    sock.on('close', () => done(new AppError('NETWORK', `The DNS server ${where(t)} closed the TCP connection without an answer.`)));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function newId(): number {
  return randomInt(0, 0x10000);
}

export const RCODES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

export function rcodeOf(response: Buffer): number {
  return response.readUInt16BE(2) & 0x000f;
}

export function rcodeName(code: number): string {
  return RCODES[code] ?? `RCODE${code}`;
}

export interface QueryAnswer {
  rcode: number;
  /** Authoritative Answer flag. */
  aa: boolean;
  packet: dnsPacket.DecodedPacket;
  transport: 'udp' | 'tcp';
}

export interface QueryOptions extends ExchangeOptions {
  /** Recursion Desired: on for a recursive resolver, off (default) when asking an authoritative server. */
  recursion?: boolean;
}

/** One question to one server. Answers with any rcode are returned; the caller decides what they mean. */
export async function query(server: ServerAddress, name: string, type: dnsPacket.RecordType, opts: QueryOptions = {}): Promise<QueryAnswer> {
  const message = dnsPacket.encode({
    type: 'query',
    id: newId(),
    flags: opts.recursion ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ type, name: name.replace(/\.$/, ''), class: 'IN' }],
  });
  const { response, transport } = await exchange(server, message, opts);
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(response);
  } catch (err) {
    throw new AppError('NETWORK', `The DNS server ${formatServer(server)} sent an answer that could not be read (${(err as Error).message}).`);
  }
  return { rcode: rcodeOf(response), aa: (response.readUInt16BE(2) & 0x0400) !== 0, packet, transport };
}

/** TXT rdata as one string per record (character-strings of one record joined, as RFC 8555 §8.4 reads them). */
export function txtValues(data: dnsPacket.TxtData): string {
  const parts = Array.isArray(data) ? data : [data];
  return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : p)).join('');
}

/** Same name, compared the way DNS compares them (case-insensitive, trailing dot ignored). */
export function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

/** `a` is `b` or below it. */
export function isSubdomain(a: string, b: string): boolean {
  const x = a.replace(/\.$/, '').toLowerCase();
  const y = b.replace(/\.$/, '').toLowerCase();
  return y === '' || x === y || x.endsWith(`.${y}`);
}

/** `a.b.c` → [`a.b.c`, `b.c`, `c`]. */
export function parentNames(name: string): string[] {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/** The data of every record of `type` owned by `name` in a section (strings for A/AAAA/NS/CNAME). */
export function recordsOf(section: dnsPacket.Answer[] | undefined, type: string, name: string): unknown[] {
  return (section ?? []).filter((a) => a.type === type && sameName(a.name, name)).map((a) => (a as { data?: unknown }).data);
}
