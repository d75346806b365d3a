// Client-side checks with the contract's own schemas, so a field shows the same message whether the
// renderer or the service found the problem.
import type { z } from 'zod';
import { issuesOf } from '../../../shared/ipc/dispatch.ts';

export type FieldErrors = Record<string, string>;

export function schemaErrors(schema: z.ZodType, request: unknown): FieldErrors {
  const parsed = schema.safeParse(request);
  if (parsed.success) return {};
  const out: FieldErrors = {};
  for (const issue of issuesOf(parsed.error)) out[issue.field] ??= issue.message;
  return out;
}

/** Moves keyboard focus to the first invalid input once the errors are on screen. */
export function focusFirstInvalid(root: HTMLElement | null): void {
  requestAnimationFrame(() => {
    const el = root?.querySelector<HTMLElement>('[aria-invalid="true"]');
    el?.focus();
  });
}
