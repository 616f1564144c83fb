/** Finding nodes by path, alias, label, compatible and phandle; bus-aware `reg` decoding. */
import { FdtError } from "./errors.js";
import { type Fdt, type FdtNode, perNode, walk } from "./tree.js";
import { asStrings, asU32, asU32s, cells } from "./values.js";

/**
 * A child by full name, or by name without unit address when exactly one child has that
 * base name (as libfdt's fdt_path_offset does).
 */
function childByPathComponent(node: FdtNode, component: string): FdtNode | undefined {
  const exact = node.child(component);
  if (exact || component.includes("@")) return exact;
  const matches = node.children.filter((c) => c.baseName === component);
  return matches.length === 1 ? matches[0] : undefined;
}

function descend(from: FdtNode, rest: string): FdtNode | undefined {
  let node: FdtNode | undefined = from;
  for (const component of rest.split("/")) {
    if (component === "" || !node) continue;
    node = childByPathComponent(node, component);
  }
  return node;
}

/** The path a /aliases entry or a __symbols__ label names, or undefined. */
function resolveName(fdt: Fdt, name: string): string | undefined {
  for (const holder of ["aliases", "__symbols__"]) {
    const value = fdt.root.child(holder)?.property(name);
    if (!value || value.length === 0 || value[value.length - 1] !== 0) continue;
    const path = asStrings(value)[0];
    if (path?.startsWith("/")) return path;
  }
  return undefined;
}

/**
 * A node by absolute path ("/soc/uart@9000000"), or, without a leading '/', by alias or
 * label (from /aliases, then /__symbols__) optionally followed by a relative path.
 */
export function findNode(fdt: Fdt, path: string): FdtNode | undefined {
  if (path.startsWith("/")) return descend(fdt.root, path);
  const slash = path.indexOf("/");
  const head = slash < 0 ? path : path.slice(0, slash);
  const target = resolveName(fdt, head);
  if (!target) return undefined;
  const base = descend(fdt.root, target);
  return base && slash >= 0 ? descend(base, path.slice(slash + 1)) : base;
}

/** Nodes whose `compatible` list contains `compatible`, in tree order. */
export function findCompatible(fdt: Fdt, compatible: string): FdtNode[] {
  const out: FdtNode[] = [];
  for (const n of walk(fdt.root)) {
    const v = n.property("compatible");
    if (v && v.length > 0 && v[v.length - 1] === 0 && asStrings(v).includes(compatible)) {
      out.push(n);
    }
  }
  return out;
}

/** The node's phandle (`phandle`, else the legacy `linux,phandle`), or undefined. */
export function phandleOf(node: FdtNode): number | undefined {
  const v = node.property("phandle") ?? node.property("linux,phandle");
  return v?.length === 4 ? asU32(v) : undefined;
}

/** A second node claiming a phandle the tree already gave to an earlier node. */
export interface PhandleCollision {
  phandle: number;
  /** The node lookups return: the first in tree order, as Linux's of_find_node_by_phandle. */
  first: FdtNode;
  other: FdtNode;
}

export interface PhandleIndex {
  nodes: ReadonlyMap<number, FdtNode>;
  collisions: readonly PhandleCollision[];
}

/** One walk of the tree under `root`, reused by every lookup until some tree changes. */
export const phandleIndex: (root: FdtNode) => PhandleIndex = perNode((root) => {
  const nodes = new Map<number, FdtNode>();
  const collisions: PhandleCollision[] = [];
  for (const n of walk(root)) {
    const ph = phandleOf(n);
    if (ph === undefined || ph === 0) continue;
    const first = nodes.get(ph);
    if (first) collisions.push({ phandle: ph, first, other: n });
    else nodes.set(ph, n);
  }
  return { nodes, collisions };
});

/** The node with this phandle; when several claim it, the first in tree order (as Linux). */
export function nodeByPhandle(fdt: Fdt, phandle: number): FdtNode | undefined {
  return phandleIndex(fdt.root).nodes.get(phandle);
}

/** A phandle no node uses: one more than the largest in the tree. */
export function allocatePhandle(fdt: Fdt): number {
  let max = 0;
  for (const n of walk(fdt.root)) max = Math.max(max, phandleOf(n) ?? 0);
  if (max >= 0xfffffffe) {
    throw new FdtError("FDT_PHANDLE_EXHAUSTED", "the tree already uses phandle 0xfffffffe");
  }
  return max + 1;
}

/** The node's phandle, giving it a freshly allocated one if it has none. */
export function ensurePhandle(fdt: Fdt, node: FdtNode): number {
  const existing = phandleOf(node);
  if (existing !== undefined) return existing;
  const ph = allocatePhandle(fdt);
  node.setProperty("phandle", cells(ph));
  return ph;
}

function busCells(node: FdtNode, prop: string, fallback: number): number {
  const v = node.parent?.property(prop);
  return v === undefined ? fallback : asU32(v);
}

/** #address-cells of the bus the node sits on (its parent); 2 when absent. */
export function addressCells(node: FdtNode): number {
  return busCells(node, "#address-cells", 2);
}

/** #size-cells of the bus the node sits on (its parent); 1 when absent. */
export function sizeCells(node: FdtNode): number {
  return busCells(node, "#size-cells", 1);
}

function joinCells(words: number[], start: number, count: number): bigint {
  let acc = 0n;
  for (let i = start; i < start + count; i++) acc = (acc << 32n) | BigInt(words[i]!);
  return acc;
}

/** The node's `reg` as (address, size) pairs in its parent bus's address space. */
export function decodeReg(node: FdtNode): { address: bigint; size: bigint }[] {
  const reg = node.property("reg");
  if (!reg) return [];
  const ac = addressCells(node);
  const sc = sizeCells(node);
  const stride = (ac + sc) * 4;
  if (stride === 0 || reg.length % stride !== 0) {
    throw new FdtError(
      "FDT_BAD_REG",
      `reg is ${reg.length} bytes, not a multiple of (#address-cells ${ac} + #size-cells ${sc}) cells`,
      { where: node.path },
    );
  }
  const words = asU32s(reg);
  const out: { address: bigint; size: bigint }[] = [];
  for (let i = 0; i < words.length; i += ac + sc) {
    out.push({
      address: joinCells(words, i, ac),
      size: joinCells(words, i + ac, sc),
    });
  }
  return out;
}

/** The interrupt controller the node's interrupts go to (its own or an ancestor's interrupt-parent). */
export function interruptParent(fdt: Fdt, node: FdtNode): FdtNode | undefined {
  for (let n: FdtNode | undefined = node; n; n = n.parent) {
    const v = n.property("interrupt-parent");
    if (v) return nodeByPhandle(fdt, asU32(v));
  }
  return undefined;
}
