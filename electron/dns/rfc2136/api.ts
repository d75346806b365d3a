// RFC 2136 (DNS UPDATE) client with TSIG (RFC 8945): adds one TXT value, deletes exactly one TXT value, and
// finds the zone that holds a name by an SOA walk on the same server.
//
// The message is built with dns-packet (header, zone section, records added) plus two things it cannot do,
// encoded here by hand (see ../../../shared TESTBED notes):
//   - the opcode: dns-packet's encode() ignores `opcode`, so the flags carry UPDATE (5 << 11) themselves;
//   - class NONE (254) for "delete this one value from the RRset" (RFC 2136 §2.5.4): dns-packet has no
//     codec for it, so those records are appended as raw wire data and NSCOUNT (= UPCOUNT) is raised;
// and the TSIG RR is added last by ./tsig.ts.
import dnsPacket from 'dns-packet';
import { AppError } from '../../../shared/ipc/errors.ts';
import { canonicalName, sign, splitTsig, TSIG_ERRORS, verifyResponse, type TsigKey } from './tsig.ts';
import {
  exchange,
  formatServer,
  newId,
  parentNames,
  query,
  rcodeName,
  rcodeOf,
  sameName,
  isSubdomain,
  type ServerAddress,
} from '../wire.ts';

const OPCODE_UPDATE = 5 << 11;
const TYPE_TXT = 16;
const CLASS_NONE = 254;

export interface UpdateResult {
  transport: 'udp' | 'tcp';
}

export interface ClientOptions {
  server: ServerAddress;
  key: TsigKey;
  /** Per attempt, ms (UDP is retried, TCP gets twice this). */
  timeoutMs?: number;
  /** Seconds since the epoch; injectable so tests can move the clock (BADTIME). */
  now?: () => number;
  /** Prefix for every error message (the provider's display name). */
  label?: string;
}

/** TXT rdata as character-strings of at most 255 bytes each (RFC 1035 §3.3.14). */
export function txtChunks(value: string): Buffer[] {
  const b = Buffer.from(value, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  return out.length ? out : [Buffer.alloc(0)];
}

function txtRdata(value: string): Buffer {
  return Buffer.concat(txtChunks(value).flatMap((c) => [Buffer.from([c.length]), c]));
}

/** An RR with class NONE and TTL 0: "delete this exact value" (RFC 2136 §2.5.4). */
function deleteOneRR(name: string, value: string): Buffer {
  const rdata = txtRdata(value);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE_TXT, 0);
  fixed.writeUInt16BE(CLASS_NONE, 2);
  fixed.writeUInt32BE(0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([canonicalName(name), fixed, rdata]);
}

export interface TxtChange {
  name: string;
  value: string;
  /** Seconds; only for additions. */
  ttl?: number;
}

/** The unsigned UPDATE message for `zone`: additions (class IN) then single-value deletions (class NONE). */
export function buildUpdate(zone: string, adds: TxtChange[], deletes: TxtChange[], id = newId()): Buffer {
  const base = dnsPacket.encode({
    type: 'query',
    id,
    flags: OPCODE_UPDATE,
    // RFC 2136 §2.3: the zone section has one "question": the zone name, type SOA, class IN.
    questions: [{ name: zone.replace(/\.$/, ''), type: 'SOA', class: 'IN' }],
    // RFC 2136 §2.5.1: add to an RRset = records with the zone's class, a TTL and the data.
    authorities: adds.map((a) => ({
      name: a.name.replace(/\.$/, ''),
      type: 'TXT' as const,
      class: 'IN' as const,
      ttl: a.ttl ?? 60,
      data: txtChunks(a.value),
    })),
  });
  if (!deletes.length) return base;
  const out = Buffer.concat([base, ...deletes.map((d) => deleteOneRR(d.name, d.value))]);
  out.writeUInt16BE(out.readUInt16BE(8) + deletes.length, 8);
  return out;
}

export class Rfc2136Client {
  readonly server: ServerAddress;
  private readonly key: TsigKey;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly label: string;

  constructor(opts: ClientOptions) {
    this.server = opts.server;
    this.key = opts.key;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.label = opts.label ?? 'RFC 2136';
  }

  private get where(): string {
    return formatServer(this.server);
  }

  private err(code: ConstructorParameters<typeof AppError>[0], message: string, hint?: string): AppError {
    return new AppError(code, `${this.label}: ${message}`, hint ? { hint } : {});
  }

  /**
   * The zone (apex, no trailing dot) that holds `fqdn` on this server: asks SOA for the name and each
   * parent in turn; the first name whose SOA the server answers with authority is the zone. Also accepts
   * the SOA the server puts in the authority section of a negative answer (it names the zone directly).
   */
  async findZone(fqdn: string, signal?: AbortSignal): Promise<string> {
    const tried: string[] = [];
    const answers: string[] = [];
    for (const candidate of parentNames(fqdn)) {
      tried.push(candidate);
      const r = await query(this.server, candidate, 'SOA', { timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
      const rc = rcodeName(r.rcode);
      answers.push(`${candidate}: ${rc}`);
      if (r.rcode !== 0 && r.rcode !== 3) continue; // REFUSED/SERVFAIL/NOTAUTH: not a zone this server holds
      const soa = (r.packet.answers ?? []).find((a) => a.type === 'SOA' && sameName(a.name, candidate));
      if (soa) return candidate.toLowerCase();
      if (r.aa) {
        const auth = (r.packet.authorities ?? []).find((a) => a.type === 'SOA' && isSubdomain(candidate, a.name));
        if (auth) return auth.name.replace(/\.$/, '').toLowerCase();
      }
    }
    throw this.err(
      'NOT_FOUND',
      `the server ${this.where} holds no zone for ${fqdn.replace(/\.$/, '')} (asked SOA for ${tried.join(', ')}; answers: ${answers.join('; ')}).`,
      'Check that the server is the primary for the domain\'s zone, or use per-domain mode and give the zone.',
    );
  }

  addTxt(zone: string, name: string, value: string, ttl: number, signal?: AbortSignal): Promise<UpdateResult> {
    return this.update(zone, [{ name, value, ttl }], [], signal);
  }

  deleteTxt(zone: string, name: string, value: string, signal?: AbortSignal): Promise<UpdateResult> {
    return this.update(zone, [], [{ name, value }], signal);
  }

  /** Sends one signed UPDATE and checks the signed answer; throws an AppError that says what to fix. */
  async update(zone: string, adds: TxtChange[], deletes: TxtChange[], signal?: AbortSignal): Promise<UpdateResult> {
    for (const c of [...adds, ...deletes]) {
      if (!isSubdomain(c.name, zone)) {
        throw this.err('INVALID_INPUT', `${c.name} is not inside the zone ${zone}.`, 'Give the zone that holds the name.');
      }
    }
    const unsigned = buildUpdate(zone, adds, deletes);
    let signed: ReturnType<typeof sign>;
    try {
      signed = sign(unsigned, this.key, this.now());
    } catch (e) {
      throw this.err('INVALID_INPUT', `the key cannot be used: ${(e as Error).message}.`, 'Paste the secret exactly as tsig-keygen printed it (base64).');
    }
    const { response, transport } = await exchange(this.server, signed.message, {
      timeoutMs: this.timeoutMs,
      ...(signal ? { signal } : {}),
    });
    this.check(response, signed.mac, zone);
    return { transport };
  }

  private check(response: Buffer, requestMac: Buffer, zone: string): void {
    const rcode = rcodeOf(response);
    let split: ReturnType<typeof splitTsig>;
    try {
      split = splitTsig(response);
    } catch (e) {
      throw this.err('NETWORK', `the answer from ${this.where} could not be read (${(e as Error).message}).`);
    }
    const keyRef = `the key "${this.key.name}" (${this.key.algorithm})`;
    const tsigError = split?.tsig.error ?? 0;
    if (tsigError) {
      // Errors BADSIG and BADKEY come back unsigned (the server could not use our key); they are reported as
      // they are, since a forged one can only make us fail.
      const name = TSIG_ERRORS[tsigError] ?? `TSIG error ${tsigError}`;
      const why: Record<string, string> = {
        BADSIG: `the signature did not verify: the secret or the algorithm differs from the key "${this.key.name}" on the server`,
        BADKEY: `the server does not know a key named "${this.key.name}" with algorithm ${this.key.algorithm}`,
        BADTIME: `the clocks differ by more than the allowed ${split?.tsig.fudge ?? 300} s${this.serverTime(split?.tsig.other)}`,
        BADTRUNC: 'the server refused a truncated signature',
      };
      throw this.err(
        'FORBIDDEN',
        `the server ${this.where} refused ${keyRef}: ${name} (${rcodeName(rcode)}) — ${why[name] ?? 'TSIG failure'}.`,
        name === 'BADTIME'
          ? 'Set this computer\'s clock (and the server\'s) correctly, e.g. with NTP.'
          : 'Check the key name, the secret (base64, as tsig-keygen printed it) and the algorithm against the server\'s key statement.',
      );
    }
    // A success counts only when its signature verifies (else the change may not have happened at all). A
    // failure is reported whether signed or not: a forged one can only make us fail, and its rcode is the
    // most useful thing we can tell the user.
    const v = rcode === 0 ? verifyResponse(response, this.key, requestMac, this.now()) : null;
    if (v && !v.ok) {
      const what = {
        unsigned: 'is not signed',
        'wrong-key': `is signed with another key ("${v.tsig?.keyName}")`,
        'wrong-algorithm': `is signed with another algorithm (${v.tsig?.algorithm})`,
        'bad-mac': 'carries a signature that does not verify',
        time: 'was signed at a time outside the allowed window',
      }[v.reason];
      throw this.err(
        'FORBIDDEN',
        `the answer from ${this.where} ${what} (${rcodeName(rcode)}); it cannot be trusted, so the change is treated as failed.`,
        'Something between Certdesk and the server changes DNS answers, or the server uses a different key: check the server address and key.',
      );
    }
    if (rcode === 0) return;
    const rc = rcodeName(rcode);
    const unsignedNote = split ? '' : ' (unsigned answer)';
    if (rcode === 9) {
      throw this.err(
        'FORBIDDEN',
        `the server ${this.where} refused ${keyRef} for zone ${zone}: NOTAUTH — it is not authoritative for that zone or does not accept that key for it.`,
        `Check that ${this.where} is the primary server of ${zone} and that the zone's update-policy (BIND) or allow-update grants ${this.key.name}.`,
      );
    }
    if (rcode === 5) {
      throw this.err(
        'FORBIDDEN',
        `the server ${this.where} refused the update to zone ${zone} with ${keyRef}: REFUSED — the key is not allowed to change that name.`,
        `Grant the key in the zone's update policy (BIND: update-policy { grant ${this.key.name} zonesub TXT; };) or allow-update.`,
      );
    }
    if (rcode === 10) {
      throw this.err('NOT_FOUND', `the server ${this.where} says the name is not in zone ${zone} (NOTZONE).`, 'Give the zone that holds the name.');
    }
    throw this.err(
      'NETWORK',
      `the server ${this.where} did not apply the update to zone ${zone}: ${rc}${unsignedNote}.`,
      rcode === 4 ? 'The server does not accept dynamic updates (NOTIMP): use its primary server.' : 'See the DNS server\'s log for the reason.',
    );
  }

  private serverTime(other: Buffer | undefined): string {
    if (!other || other.length !== 6) return '';
    const server = other.readUIntBE(0, 6);
    const skew = Math.round(this.now() - server);
    return ` (this computer is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the server)`;
  }
}
