/**
 * How validatePlans shares its plans out over dt-validate runs side by side. A run's time is
 * its Python start (about 0.2 s) plus, per node it checks, every schema that can select any
 * node (about 110 of them) and those the node's compatible selects: the nodes, not the files,
 * cost. So the runs are as many as the cores, each with about the same number of nodes, none
 * with fewer than MIN_RUN_NODES (a plan or two stays one run), and plans of one kind (the
 * same compatibles) stay in one run, in compatible order, so that each run's schema subset
 * holds only its kinds' bindings and the host nodes its plans share are checked once.
 */

/** Below this many nodes a run costs more in its start than it saves beside another. */
export const MIN_RUN_NODES = 32;

/** One plan as the split sees it. */
export interface RunItem {
  /** What it is planned for: plans with the same kind go to the same run. */
  kind: string;
  /** The nodes dt-validate checks for it. */
  nodes: number;
}

/**
 * Indices of `items` per run: at most `cores` runs, kinds in sorted order, each run about its
 * share of the nodes. Every index is in exactly one run.
 */
export function splitRuns(items: readonly RunItem[], cores: number): number[][] {
  const total = items.reduce((n, item) => n + item.nodes, 0);
  const runs = Math.max(1, Math.min(cores, Math.floor(total / MIN_RUN_NODES)));
  const byKind = new Map<string, number[]>();
  items.forEach((item, i) => {
    const same = byKind.get(item.kind);
    if (same) same.push(i);
    else byKind.set(item.kind, [i]);
  });
  const out: number[][] = [[]];
  let done = 0;
  for (const kind of [...byKind.keys()].sort()) {
    const indices = byKind.get(kind)!;
    const nodes = indices.reduce((n, i) => n + items[i]!.nodes, 0);
    // The runs so far should hold their share of all nodes: the kind goes to the next run
    // when that leaves them nearer it than taking the kind would.
    const share = (total * out.length) / runs;
    if (out.length < runs && out.at(-1)!.length > 0 && done + nodes - share > share - done)
      out.push([]);
    out.at(-1)!.push(...indices);
    done += nodes;
  }
  return out;
}
