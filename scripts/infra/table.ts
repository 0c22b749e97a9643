/** A plain-text table (like `npm audit` / osv-scanner): header, rule, rows; the last column is not padded. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.min(w, 40) : w))), ...rows.map(line)].join(
    '\n',
  );
}
