/**
 * A device name the host lacks may still be in its device tree, on a node that is disabled
 * (or below a disabled bus): the kernel creates no device for it, so neither does the
 * offline model. Finding that node turns "no such device" into "enable this node".
 */
import type { FdtNode } from "../../fdt/tree.js";
import { isAvailable, propStrings } from "./dtprops.js";
import { kernelDeviceName } from "./naming.js";
import { populatedNodes } from "./populate.js";

export interface DisabledDevice {
  /** The node the device would be created from. */
  path: string;
  /** The node whose status keeps it from being created: the node itself or a bus above it. */
  disabledPath: string;
  /** That node's `status` value, e.g. "disabled". */
  status: string;
}

function disabledAncestor(node: FdtNode): FdtNode | undefined {
  for (let n: FdtNode | undefined = node; n; n = n.parent) {
    if (!isAvailable(n)) return n;
  }
  return undefined;
}

/** The disabled node that would be device `name` if it and the buses above it were enabled. */
export function disabledDeviceNamed(root: FdtNode, name: string): DisabledDevice | undefined {
  const created = new Set(populatedNodes(root).map((p) => p.node));
  for (const { node } of populatedNodes(root, () => true)) {
    if (created.has(node) || kernelDeviceName(node) !== name) continue;
    const off = disabledAncestor(node);
    if (!off) continue;
    return { path: node.path, disabledPath: off.path, status: propStrings(off, "status")[0] ?? "" };
  }
  return undefined;
}
