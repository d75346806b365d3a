// When a saved certificate is due, and whether it can renew by itself. Pure: the facts in, the answer out, so the
// rules are unit-tested on a fake clock without a store or a CA.
//   - lifetime: due when a third of the lifetime remains (half, for certificates of less than 10 days);
//   - days: N days before expiry (never before the certificate's own start);
//   - ari: a random instant inside the CA's window [start, end), chosen once and kept by the caller (the renewal
//     record) until the window or the certificate changes; without a window, as `lifetime`.
import type { DueReason, RenewalPolicy } from '../../shared/model/renewal.ts';
import type { DnsAccountRecord, RequestRecord } from '../store/schema.ts';
import type { WebrootMapping } from '../deploy/types.ts';
import { chooseSolvers } from '../orders/solvers/resolver.ts';

const DAY_MS = 86_400_000;
/** Certificates shorter than this renew at half their lifetime instead of a third. */
export const SHORT_LIFETIME_MS = 10 * DAY_MS;

export interface DueInput {
  notBefore: Date;
  notAfter: Date;
  policy: RenewalPolicy;
  /** `days` policy: days before expiry. */
  days: number;
  /** ARI: the CA's window, when known. */
  window: { start: Date; end: Date } | null;
  /** The instant the window was last picked in (kept by the caller); reused when the window is the same. */
  keptAriDue?: Date | null;
  /** A number in [0, 1): where in the window to renew. */
  random: () => number;
  now: Date;
}

export interface Due {
  dueAt: Date;
  reason: DueReason;
}

/** The instant a third (or, under 10 days, half) of the lifetime remains. */
export function lifetimeDue(notBefore: Date, notAfter: Date): Date {
  const lifetime = Math.max(0, notAfter.getTime() - notBefore.getTime());
  const remaining = lifetime < SHORT_LIFETIME_MS ? lifetime / 2 : lifetime / 3;
  return new Date(Math.round(notAfter.getTime() - remaining));
}

/** N days before expiry, never before the certificate's start. */
export function daysBeforeDue(notBefore: Date, notAfter: Date, days: number): Date {
  return new Date(Math.max(notBefore.getTime(), notAfter.getTime() - days * DAY_MS));
}

/**
 * A random instant inside [start, end). A window already over is due now; an empty or inverted window (a CA
 * bug) is due at its start.
 */
export function ariDue(window: { start: Date; end: Date }, random: () => number, now: Date): Date {
  const start = window.start.getTime();
  const end = window.end.getTime();
  if (end <= now.getTime()) return now;
  if (end <= start) return window.start;
  const r = Math.min(Math.max(random(), 0), 0.999_999_999);
  return new Date(start + Math.floor(r * (end - start)));
}

export function computeDue(input: DueInput): Due {
  if (input.policy === 'days') return { dueAt: daysBeforeDue(input.notBefore, input.notAfter, input.days), reason: 'days-before' };
  if (input.policy === 'ari' && input.window) {
    // Kept while the window stays (the caller passes the instant it picked before), so the due time does not
    // move at every reconcile; a window already over is due now.
    if (input.window.end.getTime() <= input.now.getTime()) return { dueAt: input.now, reason: 'ari-window' };
    const kept = input.keptAriDue;
    if (kept && kept.getTime() >= input.window.start.getTime() && kept.getTime() < input.window.end.getTime()) return { dueAt: kept, reason: 'ari-window' };
    return { dueAt: ariDue(input.window, input.random, input.now), reason: 'ari-window' };
  }
  return { dueAt: lifetimeDue(input.notBefore, input.notAfter), reason: 'lifetime' };
}

// ---------------------------------------------------------------------------------------------------------------
// Automatic validation

export interface AutomationFacts {
  /** DNS mappings of the store. */
  dnsMappings: readonly { domain: string; accountId: string }[];
  /** End-server / agent mappings with a webroot. */
  serverMappings: readonly WebrootMapping[];
  /** A DNS account by id (null: gone). */
  dnsAccount(id: string): Pick<DnsAccountRecord, 'id' | 'name' | 'enabled'> | null;
}

export interface Automation {
  /** Every name has an automatic solver. */
  automated: boolean;
  /** Who answers, e.g. "server web1", "DNS account Office BIND"; null: nobody. */
  automation: string | null;
  /** Names nobody answers automatically (why it is manual). */
  manualNames: string[];
}

/**
 * Whether every name of the request can be validated without a person, by the same resolver the order flow
 * uses at Verify: a server mapping with a webroot (http-01; not for wildcards), a DNS mapping, or the request's
 * DNS account (dns-01). A DNS account that is gone or disabled answers nothing.
 */
export function automationOf(req: Pick<RequestRecord, 'names' | 'challengeType' | 'dnsAccountId'>, facts: AutomationFacts): Automation {
  const choices = chooseSolvers(req.names, {
    challengeType: req.challengeType,
    requestDnsAccountId: req.challengeType === 'dns-01' ? req.dnsAccountId : null,
    dnsMappings: req.challengeType === 'dns-01' ? facts.dnsMappings : [],
    serverMappings: facts.serverMappings,
    // At renewal the CA offers http-01 for every name but a wildcard (which the resolver skips anyway).
    httpOffered: (name) => !name.startsWith('*.'),
  });
  const who = new Set<string>();
  const manualNames: string[] = [];
  for (const c of choices) {
    if (c.kind === 'server') {
      who.add(c.targets.length === 1 ? `server ${c.targets[0]!.targetName}` : `servers ${c.targets.map((t) => t.targetName).join(', ')}`);
    } else if (c.kind === 'dns') {
      const acc = facts.dnsAccount(c.accountId);
      if (!acc || !acc.enabled) manualNames.push(c.name);
      else who.add(`DNS account ${acc.name}`);
    } else manualNames.push(c.name);
  }
  const automated = manualNames.length === 0 && req.names.length > 0;
  return { automated, automation: who.size ? [...who].join(', ') : null, manualNames };
}
