// Which solver answers each name's challenge (DESIGN.md §3, the ChallengeSolver seam). One place decides, with
// the seed's precedence:
//   1. an end-server or agent mapping with a webroot for the domain: http-01, for http-01 and dns-01 requests
//      alike (the seed: a server mapping wins over DNS); not for wildcard names, which only dns-01 validates,
//   2. a DNS mapping for the domain (dns-01),
//   3. the request's DNS account (dns-01),
//   4. manual: the user publishes the file or the TXT record.
// Pure: it takes the facts and returns the choice, so the precedence is unit-tested without a store.
import type { ChallengeType } from '../../../shared/model/request.ts';
import { mappingFor } from '../../dns/accounts.ts';
import type { WebrootMapping } from '../../deploy/types.ts';

export type SolverChoice =
  | { kind: 'manual'; name: string }
  | {
      kind: 'server';
      name: string;
      /** The mapped domain that chose them. */
      domain: string;
      /** Every server mapped for that domain with a webroot (a pool: the file goes on each). */
      targets: WebrootMapping[];
    }
  | {
      kind: 'dns';
      name: string;
      accountId: string;
      /** The domain of the mapping that chose the account; null when it is the request's account. */
      mappingDomain: string | null;
    };

export interface ResolverFacts {
  challengeType: ChallengeType;
  /** The request's DNS account (dns-01), or null. */
  requestDnsAccountId: string | null;
  dnsMappings: readonly { domain: string; accountId: string }[];
  /** End-server / agent mappings with a webroot (highest precedence). */
  serverMappings?: readonly WebrootMapping[];
  /** Whether the CA offers http-01 for a name (a dns-01 request keeps the http-01 challenge as an alternate). */
  httpOffered?: (name: string) => boolean;
}

export function chooseSolver(name: string, facts: ResolverFacts): SolverChoice {
  // 1. End-server / agent mappings: http-01 through the servers' webroots.
  if (facts.serverMappings?.length && !name.startsWith('*.') && (facts.httpOffered?.(name) ?? facts.challengeType === 'http-01')) {
    const m = mappingFor(facts.serverMappings, name);
    if (m) {
      const targets = facts.serverMappings.filter((x) => x.domain === m.domain);
      return { kind: 'server', name, domain: m.domain, targets };
    }
  }
  if (facts.challengeType === 'dns-01') {
    const m = mappingFor(facts.dnsMappings, name);
    if (m) return { kind: 'dns', name, accountId: m.accountId, mappingDomain: m.domain };
    if (facts.requestDnsAccountId) return { kind: 'dns', name, accountId: facts.requestDnsAccountId, mappingDomain: null };
  }
  return { kind: 'manual', name };
}

export function chooseSolvers(names: readonly string[], facts: ResolverFacts): SolverChoice[] {
  return names.map((n) => chooseSolver(n, facts));
}
