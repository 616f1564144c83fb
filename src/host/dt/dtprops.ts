/**
 * Reading host device-tree properties the way the kernel does: tolerant of odd lengths
 * (the kernel reads what it needs and ignores the rest) and case-insensitive for
 * `compatible`, unlike the strict codecs in src/fdt that guard what platpass writes.
 */
import { phandleIndex } from "../../fdt/lookup.js";
import type { FdtNode } from "../../fdt/tree.js";

/** Every whole big-endian cell of a value; a trailing partial cell is ignored. */
export function cellsOf(v: Uint8Array): number[] {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= v.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

/** Cell `index` of a value, or undefined past its last whole cell: no array per read. */
export function cellAt(v: Uint8Array, index: number): number | undefined {
  const at = index * 4;
  if (at + 4 > v.length) return undefined;
  return ((v[at]! << 24) | (v[at + 1]! << 16) | (v[at + 2]! << 8) | v[at + 3]!) >>> 0;
}

/** of_property_read_u32: the first cell, when the value holds at least one. */
export function propU32(node: FdtNode, name: string): number | undefined {
  const v = node.property(name);
  return v ? cellAt(v, 0) : undefined;
}

/** A string list; an empty or unterminated value yields what can be read. */
export function propStrings(node: FdtNode, name: string): string[] {
  const v = node.property(name);
  return v ? stringsOf(v) : [];
}

/** One decoder for every value: a TextDecoder per call cost more than the decoding. */
const utf8 = new TextDecoder();

/** A string-list value's strings (sysfs's of_node files hold the same bytes as the DT). */
export function stringsOf(v: Uint8Array): string[] {
  if (v.length === 0) return [];
  const end = v[v.length - 1] === 0 ? v.length - 1 : v.length;
  return utf8.decode(v.subarray(0, end)).split("\0");
}

export function compatibleOf(node: FdtNode): string[] {
  return propStrings(node, "compatible");
}

/**
 * The node's compatible strings in lower case, decoded once for matching against many
 * candidates (populate asks each node about some twenty compatibles).
 */
export function compatibleKeys(node: FdtNode): Set<string> {
  return new Set(compatibleOf(node).map((c) => c.toLowerCase()));
}

/** of_device_is_compatible against any of `candidates`: strings compare case-insensitively. */
export function isCompatibleWithAny(keys: Set<string>, candidates: readonly string[]): boolean {
  return candidates.some((c) => keys.has(c.toLowerCase()));
}

/** of_device_is_available: no `status`, or "okay" / "ok". */
export function isAvailable(node: FdtNode): boolean {
  if (!node.hasProperty("status")) return true;
  const status = propStrings(node, "status")[0];
  return status === "okay" || status === "ok";
}

/** of_find_node_by_phandle: the first node in tree order with this phandle, from the tree's index. */
export function byPhandle(node: FdtNode, phandle: number): FdtNode | undefined {
  return phandleIndex(rootOf(node)).nodes.get(phandle);
}

function rootOf(node: FdtNode): FdtNode {
  let n = node;
  while (n.parent) n = n.parent;
  return n;
}
