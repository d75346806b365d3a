// Text output shared by the benchmark scripts.

/**
 * Rows as an aligned text table: the first column left-aligned, the others right-aligned, a rule under the first
 * row (the header).
 */
export function textTable(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join(' | ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('-+-')}` : line;
    })
    .join('\n');
}
