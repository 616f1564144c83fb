/**
 * The arguments of `dt dts` and `dt get` — FILE.dtb [NODE-PATH [PROPERTY]] — each read and
 * looked up in turn, a missing node or property named with where to look instead.
 */
import { InputError } from "../errors.js";
import { readDtbFile } from "../fdt/file.js";
import { findNode } from "../fdt/lookup.js";
import type { Fdt, FdtNode } from "../fdt/tree.js";
import type { ParsedArgs } from "./command.js";

export interface DtArgs {
  file: string;
  fdt: Fdt;
  /** NODE-PATH's node; the root when there is none. */
  node: FdtNode;
  /** PROPERTY of that node, when given. */
  property?: { name: string; value: Uint8Array };
}

export async function dtArguments(args: ParsedArgs): Promise<DtArgs> {
  const [file, path, name] = args.positionals as [string, string?, string?];
  const fdt = await readDtbFile(file);
  if (path === undefined) return { file, fdt, node: fdt.root };
  const node = findNode(fdt, path);
  if (!node) {
    throw new InputError("DT_NODE_NOT_FOUND", `no node "${path}"`, {
      where: file,
      hint: "Use an absolute path (/soc/...), an alias from /aliases, or a label from /__symbols__; 'platpass dt dts FILE' shows the tree.",
    });
  }
  if (name === undefined) return { file, fdt, node };
  const value = node.property(name);
  if (!value) {
    throw new InputError("DT_PROPERTY_NOT_FOUND", `node ${node.path} has no property "${name}"`, {
      where: file,
      hint: `Run 'platpass dt get ${file} ${node.path}' to list its properties.`,
    });
  }
  return { file, fdt, node, property: { name, value } };
}
