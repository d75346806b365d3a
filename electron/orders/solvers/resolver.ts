// Which solver answers each name's challenge (DESIGN.md §3, the ChallengeSolver seam). One place decides, with
// the seed's precedence:
//   1. an end-server or agent mapping for the domain (http-01 and dns-01; not built yet: the slot is here),
//   2. a DNS mapping for the domain (dns-01),
//   3. the request's DNS account (dns-01),
//   4. manual: the user publishes the file or the TXT record.
// Pure: it takes the facts and returns the choice, so the precedence is unit-tested without a store.
import type { ChallengeType } from '../../../shared/model/request.ts';
import { mappingFor } from '../../dns/accounts.ts';

export type SolverChoice =
  | { kind: 'manual'; name: string }
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
  /** Slot for end-server / agent mappings (highest precedence); none exist yet. */
  serverMappings?: readonly { domain: string }[];
}

export function chooseSolver(name: string, facts: ResolverFacts): SolverChoice {
  // 1. End-server / agent mappings: the slot for deploy targets (issue 8). Until they exist, nothing matches.
  if (facts.serverMappings && mappingFor(facts.serverMappings, name)) {
    // A later change returns { kind: 'server', ... } here.
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
