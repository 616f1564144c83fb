/** "Did you mean": the candidates closest to a name the user mistyped. */

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Up to `limit` candidates that contain the name (or it them), or are within a third of its
 * length in edits, closest first.
 */
export function closeMatches(name: string, candidates: readonly string[], limit = 5): string[] {
  const wanted = name.toLowerCase();
  const budget = Math.max(2, Math.floor(wanted.length / 3));
  return candidates
    .map((c) => {
      const lower = c.toLowerCase();
      const contains = lower.includes(wanted) || wanted.includes(lower);
      return { c, d: contains ? 0 : editDistance(wanted, lower) };
    })
    .filter((x) => x.d <= budget)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((x) => x.c);
}
