// Pure helpers of the settings forms (no React): where a service's field errors go, and the addresses typed
// into a recipients field.

/** Keeps the messages of the fields under `prefix` ("renewal.days" → "days"); true when all were placed. */
export function splitFieldErrors(byField: Record<string, string>, prefix: string, known: readonly string[]): { fields: Record<string, string>; placed: boolean } {
  const fields: Record<string, string> = {};
  let placed = Object.keys(byField).length > 0;
  for (const [key, message] of Object.entries(byField)) {
    const local = key.startsWith(`${prefix}.`) ? key.slice(prefix.length + 1) : key;
    const base = known.find((k) => local === k || local.startsWith(`${k}.`));
    if (base) fields[base] ??= message;
    else placed = false;
  }
  return { fields, placed };
}

/** Splits what was typed or pasted into addresses, dropping blanks and repeats. */
export function splitAddresses(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const a of v.split(/[\s,;]+/)) if (a !== '' && !out.includes(a)) out.push(a);
  return out;
}
