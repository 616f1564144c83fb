/**
 * A small tree cut from a big one around a few nodes, for a checker that would otherwise
 * spend its time on the rest: the nodes with their subtrees and their ancestors, and the
 * phandle providers those refer to. Providers stay because a checker splits a phandle-array
 * by the provider's #…-cells (dt-validate does, and fails on an interrupt parent it cannot
 * find). Nodes keep their paths and their order in the big tree; a provider's ancestors that
 * are there only to hold it keep no properties.
 */
import { nodeByPhandle } from "./lookup.js";
import { Fdt, type FdtNode, walk } from "./tree.js";
import { asU32s } from "./values.js";

/** What a checker reads of a phandle provider: its phandle and its #…-cells. */
const PROVIDER_PROPERTY = /^(#.*-cells|phandle|linux,phandle)$/;

/**
 * `nodes` are nodes of `fdt`; `isPhandleProperty` says which properties may hold phandles.
 * Every cell of such a property (on the nodes, below them or on their ancestors) that is
 * some node's phandle keeps that node as a provider: its phandle and #…-cells only, so its
 * own references need nothing more. A cell that is an argument and happens to equal a
 * phandle keeps one provider more, which changes no result about the nodes asked for.
 */
export function excerpt(
  fdt: Fdt,
  nodes: readonly FdtNode[],
  isPhandleProperty: (name: string) => boolean,
): Fdt {
  const whole = new Set<FdtNode>();
  for (const n of nodes) for (const d of walk(n)) whole.add(d);
  const full = new Set<FdtNode>(whole);
  for (const n of whole) for (let a = n.parent; a && !full.has(a); a = a.parent) full.add(a);
  const providers = new Set<FdtNode>();
  for (const n of full) {
    for (const [name, value] of n.properties) {
      if (!isPhandleProperty(name)) continue;
      for (const cell of value.length % 4 === 0 ? asU32s(value) : []) {
        const provider = cell === 0 ? undefined : nodeByPhandle(fdt, cell);
        if (provider && !full.has(provider)) providers.add(provider);
      }
    }
  }
  const placed = new Set<FdtNode>(full);
  for (const p of providers) for (let a: FdtNode | undefined = p; a; a = a.parent) placed.add(a);
  const tree = new Fdt(undefined, [], fdt.bootCpuid);
  const copies = new Map<FdtNode, FdtNode>([[fdt.root, tree.root]]);
  for (const n of walk(fdt.root)) {
    if (!placed.has(n)) continue;
    const copy = n.parent ? copies.get(n.parent)!.attachChild(n.name) : tree.root;
    copies.set(n, copy);
    for (const [name, value] of n.properties) {
      if (full.has(n) || (providers.has(n) && PROVIDER_PROPERTY.test(name)))
        copy.attachProperty(name, value);
    }
  }
  return tree;
}
