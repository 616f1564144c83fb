/** How platpass prints numbers and tables, the same in every command. */

/** `0x…` in lower case, at least `digits` hex digits (a register of 32 bits: 8). */
export function hex(n: number | bigint, digits = 0): string {
  return `0x${n.toString(16).padStart(digits, "0")}`;
}

/** Rows as columns two spaces apart, each as wide as its widest cell; no trailing blanks. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(...rows.map((r) => (r[i] ?? "").length)),
  );
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
