// The ChallengeSolver seam (DESIGN.md §3): every kind of automation has the same life for a set of names —
// present → check (pre-flight) → the CA validates → cleanUp (always: also on failure and cancel).
// Modelled on mholt/acmez's Solver (Present + CleanUp, an optional Wait before the CA is asked) and
// certmagic's DNS01Solver (record bookkeeping, so cleanUp removes exactly what present made).
import type { PresentedRecord } from '../../store/schema.ts';

/** One name's challenge as a solver sees it. */
export interface SolverChallenge {
  /** As the user asked for it, e.g. `*.example.com`. */
  name: string;
  /** ASCII identifier without `*.`. */
  identifier: string;
  /** dns-01: `_acme-challenge.<identifier>` and the TXT value; http-01: the path and file content. */
  dnsName: string | null;
  value: string;
  /** Automatic dns-01: the DNS account the resolver chose, and the mapping that chose it (null: the request's). */
  accountId?: string;
  mappingDomain?: string | null;
}

export interface SolverContext {
  signal: AbortSignal;
  /** Live per-name progress ("2 of 3 name servers see the record"). */
  progress(name: string, message: string): void;
  /**
   * Records what is about to be presented (persisted before the provider is called, so a crash in between
   * still leaves the bookkeeping a resumed run cleans up from).
   */
  remember(records: PresentedRecord[]): Promise<void>;
  /** Drops records that are gone. */
  forget(records: PresentedRecord[]): Promise<void>;
}

export interface ChallengeSolver {
  readonly kind: 'manual' | 'dns';
  /** False: the user acts (manual). */
  readonly automatic: boolean;
  /** Puts every challenge in place (apex and wildcard values on one name at once); returns what it made. */
  present(challenges: SolverChallenge[], ctx: SolverContext): Promise<PresentedRecord[]>;
  /** Waits until the challenges can be validated (every authoritative server answers). */
  check(records: PresentedRecord[], ctx: SolverContext): Promise<void>;
  /** Removes exactly `records`; never throws for a value already gone. */
  cleanUp(records: PresentedRecord[], ctx: SolverContext): Promise<void>;
}
