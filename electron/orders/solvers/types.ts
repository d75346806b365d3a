// The ChallengeSolver seam (DESIGN.md §3): every kind of automation has the same life for a set of names —
// present → check (pre-flight) → the CA validates → cleanUp (always: also on failure and cancel).
// Modelled on mholt/acmez's Solver (Present + CleanUp, an optional Wait before the CA is asked) and
// certmagic's DNS01Solver (record bookkeeping, so cleanUp removes exactly what present made).
import type { WebrootMapping } from '../../deploy/types.ts';
import type { PresentedRecord } from '../../store/schema.ts';

/** One name's challenge as a solver sees it. */
export interface SolverChallenge {
  /** As the user asked for it, e.g. `*.example.com`. */
  name: string;
  /** ASCII identifier without `*.`. */
  identifier: string;
  /** dns-01: `_acme-challenge.<identifier>` and the TXT value; http-01: null and the file content (key authorization). */
  dnsName: string | null;
  value: string;
  /** http-01: the challenge token (the file name under /.well-known/acme-challenge/). */
  token?: string;
  /** Automatic http-01: the servers (a pool: every one of them) whose webroot serves the file. */
  targets?: WebrootMapping[];
  /** Automatic dns-01: the DNS account the resolver chose, and the mapping that chose it (null: the request's). */
  accountId?: string;
  mappingDomain?: string | null;
}

/** R: what a solver made and must remove again (TXT records, placed files), persisted on the request. */
export interface SolverContext<R = PresentedRecord> {
  signal: AbortSignal;
  /** Live per-name progress ("2 of 3 name servers see the record"). */
  progress(name: string, message: string): void;
  /**
   * Records what is about to be presented (persisted before the provider is called, so a crash in between
   * still leaves the bookkeeping a resumed run cleans up from).
   */
  remember(records: R[]): Promise<void>;
  /** Drops records that are gone. */
  forget(records: R[]): Promise<void>;
}

export interface ChallengeSolver<R = PresentedRecord> {
  readonly kind: 'manual' | 'dns' | 'server';
  /** False: the user acts (manual). */
  readonly automatic: boolean;
  /** Puts every challenge in place (apex and wildcard values on one name at once); returns what it made. */
  present(challenges: SolverChallenge[], ctx: SolverContext<R>): Promise<R[]>;
  /** Waits until the challenges can be validated (every authoritative server answers), or checks them (pre-flight). */
  check(records: R[], ctx: SolverContext<R>, challenges: SolverChallenge[]): Promise<void>;
  /** Removes exactly `records`; never throws for a value already gone. */
  cleanUp(records: R[], ctx: SolverContext<R>): Promise<void>;
}
