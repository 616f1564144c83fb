/**
 * Property values as typed data for people and JSON: strings as strings, cells as hex,
 * anything else as bytes — the same guess the DTS printer makes.
 */
import { guessValueType } from "./dts.js";
import type { FdtNode } from "./tree.js";
import { asStrings, asU32s } from "./values.js";

export type DescribedValue =
  | { type: "empty" }
  | { type: "strings"; value: string[] }
  | { type: "cells"; value: string[] }
  | { type: "bytes"; value: string[] };

const hex2 = (b: number) => b.toString(16).padStart(2, "0");

export function describeValue(v: Uint8Array): DescribedValue {
  if (v.length === 0) return { type: "empty" };
  const type = guessValueType(v);
  if (type === "string") return { type: "strings", value: asStrings(v) };
  if (type === "cells")
    return { type: "cells", value: asU32s(v).map((c) => `0x${c.toString(16)}`) };
  return { type: "bytes", value: Array.from(v, hex2) };
}

/** One line of text, as fdtget prints a value: words separated by spaces. */
export function valueText(d: DescribedValue): string {
  return d.type === "empty" ? "" : d.value.join(" ");
}

export interface DescribedNode {
  path: string;
  properties: Record<string, DescribedValue>;
  children: string[];
}

export function describeNode(node: FdtNode): DescribedNode {
  const properties: Record<string, DescribedValue> = {};
  for (const [name, v] of node.properties) properties[name] = describeValue(v);
  return { path: node.path, properties, children: node.children.map((c) => c.name) };
}
