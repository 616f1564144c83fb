/**
 * The part of a guest tree a plan wrote, as DTS: the platform-bus node with its devices and
 * the root nodes the plugins added (clock copies), in the guest's order. Golden files hold
 * this text, so they stay small and show only what platpass owns.
 */
import { Fdt, type FdtNode, findNode, printDts } from "../../../src/fdt/index.js";

function copyInto(from: FdtNode, parent: FdtNode): void {
  const to = parent.attachChild(from.name);
  for (const [name, value] of from.properties) to.attachProperty(name, value);
  for (const child of from.children) copyInto(child, to);
}

export function guestFragment(guest: Fdt, paths: readonly string[]): string {
  const out = new Fdt();
  for (const node of guest.root.children) {
    if (paths.includes(node.path)) copyInto(node, out.root);
  }
  const missing = paths.filter((p) => !findNode(guest, p));
  if (missing.length > 0) throw new Error(`not in the guest tree: ${missing.join(", ")}`);
  return printDts(out);
}
