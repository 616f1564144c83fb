/**
 * DTS printer. The output is what `dtc -I dtb -O dts` prints for the same tree — dtc's
 * layout (tabs, a blank line before each child) and dtc's guess of each value's type
 * (string list, u32 cells, or bytes) — with one exception that makes it compile back to
 * the same tree where dtc's own text does not: dtc prints a string list as one string with
 * "\0" separators, so an entry starting with an octal digit fuses into an octal escape
 * ("0\0" + "1" reads back as "0\01"). Such lists are printed as "a", "b" instead.
 */
import type { Fdt, FdtNode } from "./tree.js";

/** C's isprint() in the C locale. */
const isPrint = (c: number) => c >= 0x20 && c <= 0x7e;
const ESCAPES: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
  92: "\\\\",
  34: '\\"',
  0: "\\0",
};

type ValueType = "string" | "cells" | "bytes";

/** dtc's guess_value_type: printable NUL-terminated text with few NULs is a string. */
export function guessValueType(v: Uint8Array): ValueType {
  let notString = 0;
  let nuls = 0;
  for (const c of v) {
    if (c === 0) nuls++;
    else if (!isPrint(c) && !(c >= 0x07 && c <= 0x0d)) notString++;
  }
  if (v[v.length - 1] === 0 && notString === 0 && nuls <= v.length - nuls) return "string";
  return v.length % 4 === 0 ? "cells" : "bytes";
}

function quote(v: Uint8Array): string {
  let s = '"';
  for (const c of v) s += ESCAPES[c] ?? String.fromCharCode(c);
  return `${s}"`;
}

const isOctalDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x37;

/** A NUL-terminated string list, as dtc prints it unless that would read back differently. */
function formatString(v: Uint8Array): string {
  const text = v.subarray(0, v.length - 1);
  const ambiguous = text.some((c, i) => c === 0 && isOctalDigit(text[i + 1]));
  if (!ambiguous) return quote(text);
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === 0) {
      parts.push(quote(text.subarray(start, i)));
      start = i + 1;
    }
  }
  return parts.join(", ");
}

function formatCells(v: Uint8Array): string {
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const words: string[] = [];
  for (let i = 0; i < v.length; i += 4) {
    words.push(`0x${dv.getUint32(i).toString(16).padStart(2, "0")}`);
  }
  return `<${words.join(" ")}>`;
}

function formatBytes(v: Uint8Array): string {
  return `[${Array.from(v, (b) => b.toString(16).padStart(2, "0")).join(" ")}]`;
}

/** A property value as DTS text, typed as dtc would type it. */
export function formatValue(v: Uint8Array): string {
  const type = guessValueType(v);
  if (type === "string") return formatString(v);
  return type === "cells" ? formatCells(v) : formatBytes(v);
}

function printProperty(name: string, v: Uint8Array, indent: string): string {
  return v.length === 0 ? `${indent}${name};\n` : `${indent}${name} = ${formatValue(v)};\n`;
}

/** Prints the tree as DTS; iterative, so tree depth never reaches the call stack. */
export function printDts(fdt: Fdt): string {
  const out: string[] = ["/dts-v1/;\n\n"];
  for (const r of fdt.reservations) {
    const a = r.address.toString(16).padStart(16, "0");
    const s = r.size.toString(16).padStart(16, "0");
    out.push(`/memreserve/\t0x${a} 0x${s};\n`);
  }
  const stack: { node: FdtNode; depth: number; closing: boolean }[] = [
    { node: fdt.root, depth: 0, closing: false },
  ];
  while (stack.length > 0) {
    const { node, depth, closing } = stack.pop()!;
    const indent = "\t".repeat(depth);
    if (closing) {
      out.push(`${indent}};\n`);
      continue;
    }
    if (depth > 0) out.push("\n");
    out.push(`${indent}${depth === 0 ? "/" : node.name} {\n`);
    for (const [name, v] of node.properties) out.push(printProperty(name, v, `${indent}\t`));
    stack.push({ node, depth, closing: true });
    const kids = node.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({ node: kids[i]!, depth: depth + 1, closing: false });
    }
  }
  return out.join("");
}
