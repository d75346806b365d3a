// Route 53 client: the official SDK (@aws-sdk/client-route-53, SigV4, REST-XML) with an injectable endpoint.
// Only what dns-01 needs: list the public hosted zones, read one TXT record set, change it atomically, and
// poll the change until INSYNC. Errors are the SDK's; provider.ts turns them into messages.
// The SDK is loaded on the first call (dynamic import), not when the registry lists this provider: every
// Certdesk start would otherwise pay for evaluating it.
import type { Change, ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';

type Route53Sdk = typeof import('@aws-sdk/client-route-53');
let loadingSdk: Promise<Route53Sdk> | undefined;

function loadSdk(): Promise<Route53Sdk> {
  loadingSdk ??= import('@aws-sdk/client-route-53').catch((e: unknown) => {
    loadingSdk = undefined;
    throw e;
  });
  return loadingSdk;
}

export interface Route53ApiOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Base URL of the API; AWS's own when absent. */
  endpoint?: string;
  /** SDK attempts per call (throttling and 5xx are retried by the SDK). */
  maxAttempts?: number;
}

export interface HostedZone {
  /** Without the `/hostedzone/` prefix. */
  id: string;
  /** Lower-case, no trailing dot. */
  name: string;
  privateZone: boolean;
}

export interface TxtSet {
  ttl: number;
  /** Unquoted values. */
  values: string[];
}

export type ChangeStatus = 'PENDING' | 'INSYNC';

const stripId = (id: string) => id.replace(/^\/(hostedzone|change)\//, '');

/** Route 53 names: trailing dot, lower case, `*` and other specials as \ooo octal escapes. */
export function fromRoute53Name(name: string): string {
  return name.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))).replace(/\.$/, '').toLowerCase();
}

/** A TXT value as Route 53 wants it: quoted character-strings of at most 255 bytes, `"` and `\` escaped. */
export function quoteTxt(value: string): string {
  const chunks: string[] = [];
  for (let i = 0; i < value.length || i === 0; i += 255) chunks.push(value.slice(i, i + 255));
  return chunks.map((c) => `"${c.replace(/[\\"]/g, (m) => `\\${m}`)}"`).join(' ');
}

/** The inverse of quoteTxt: `"a" "b"` → `ab`. */
export function unquoteTxt(value: string): string {
  const parts = [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e, 8)) : e)));
  return parts.length ? parts.join('') : value;
}

export class Route53Api {
  private client: Promise<{ sdk: Route53Sdk; client: Route53Client }> | undefined;
  private readonly opts: Route53ApiOptions;

  constructor(opts: Route53ApiOptions) {
    this.opts = opts;
  }

  /** The SDK and its client, made on the first call. */
  private sdk(): Promise<{ sdk: Route53Sdk; client: Route53Client }> {
    this.client ??= loadSdk().then(
      (sdk) => ({ sdk, client: this.makeClient(sdk) }),
      (e: unknown) => {
        this.client = undefined;
        throw e;
      },
    );
    return this.client;
  }

  private makeClient(sdk: Route53Sdk): Route53Client {
    const opts = this.opts;
    // The SDK's notice about its future Node requirement is for developers; it would only clutter the CLI's
    // stderr (Electron's Node is recent enough anyway).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    return new sdk.Route53Client({
      region: opts.region,
      // The account's fields decide where requests go, not ~/.aws/config or AWS_ENDPOINT_URL* of this machine.
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
      ignoreConfiguredEndpointUrls: true,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      maxAttempts: opts.maxAttempts ?? 3,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    });
  }

  /** Every hosted zone of the account, following NextMarker page by page. */
  async listZones(signal?: AbortSignal, pageSize?: number): Promise<HostedZone[]> {
    const { sdk, client } = await this.sdk();
    const out: HostedZone[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const r = await client.send(
        new sdk.ListHostedZonesCommand({ ...(marker ? { Marker: marker } : {}), ...(pageSize ? { MaxItems: pageSize } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
      for (const z of r.HostedZones ?? []) {
        out.push({ id: stripId(z.Id ?? ''), name: fromRoute53Name(z.Name ?? ''), privateZone: z.Config?.PrivateZone === true });
      }
      if (!r.IsTruncated || !r.NextMarker) break;
      marker = r.NextMarker;
    }
    return out;
  }

  async getZone(id: string, signal?: AbortSignal): Promise<HostedZone> {
    const { sdk, client } = await this.sdk();
    const r = await client.send(new sdk.GetHostedZoneCommand({ Id: id }), signal ? { abortSignal: signal } : {});
    const z = r.HostedZone;
    return { id: stripId(z?.Id ?? id), name: fromRoute53Name(z?.Name ?? ''), privateZone: z?.Config?.PrivateZone === true };
  }

  /** The TXT record set at `name` (simple routing), or null. */
  async getTxt(zoneId: string, name: string, signal?: AbortSignal): Promise<TxtSet | null> {
    const { sdk, client } = await this.sdk();
    const r = await client.send(
      new sdk.ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, StartRecordType: 'TXT', MaxItems: 1 }),
      signal ? { abortSignal: signal } : {},
    );
    const set = (r.ResourceRecordSets ?? [])[0];
    if (!set || set.Type !== 'TXT' || fromRoute53Name(set.Name ?? '') !== name || set.SetIdentifier) return null;
    return { ttl: set.TTL ?? 300, values: (set.ResourceRecords ?? []).map((rr) => unquoteTxt(rr.Value ?? '')) };
  }

  /**
   * Replaces the TXT set at `name` from `before` to `after` in one atomic batch: DELETE of the exact current
   * set (Route 53 refuses it when the set changed meanwhile, so nobody's value is lost) and CREATE of the new
   * one. Returns the change id to poll.
   */
  async replaceTxt(zoneId: string, name: string, before: TxtSet | null, after: TxtSet | null, signal?: AbortSignal): Promise<string | null> {
    const { sdk, client } = await this.sdk();
    const set = (s: TxtSet): ResourceRecordSet => ({
      Name: `${name}.`,
      Type: 'TXT',
      TTL: s.ttl,
      ResourceRecords: s.values.map((v) => ({ Value: quoteTxt(v) })),
    });
    const changes: Change[] = [];
    if (before && before.values.length) changes.push({ Action: 'DELETE', ResourceRecordSet: set(before) });
    if (after && after.values.length) changes.push({ Action: 'CREATE', ResourceRecordSet: set(after) });
    if (!changes.length) return null;
    const r = await client.send(
      new sdk.ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Comment: 'Certdesk dns-01', Changes: changes } }),
      signal ? { abortSignal: signal } : {},
    );
    return stripId(r.ChangeInfo?.Id ?? '');
  }

  async changeStatus(changeId: string, signal?: AbortSignal): Promise<ChangeStatus> {
    const { sdk, client } = await this.sdk();
    const r = await client.send(new sdk.GetChangeCommand({ Id: changeId }), signal ? { abortSignal: signal } : {});
    return r.ChangeInfo?.Status === 'INSYNC' ? 'INSYNC' : 'PENDING';
  }

  destroy(): void {
    void this.client?.then(({ client }) => client.destroy(), () => undefined);
  }
}
