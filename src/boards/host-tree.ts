import { findNode, phandleOf } from "../fdt/lookup.js";
import { type Fdt, type FdtNode, walk } from "../fdt/tree.js";
import type { HostDevice } from "../host/device.js";
import type { HostTree } from "./api.js";

/**
 * A HostTree over the host's device tree (offline: the --host-dtb). Phandles are indexed on
 * the first lookup: most plans never follow one, and a large board tree takes a while to walk.
 */
export function hostTreeOf(fdt: Fdt | undefined): HostTree {
  let byPhandle: Map<number, FdtNode> | undefined;
  const index = (): Map<number, FdtNode> => {
    if (byPhandle) return byPhandle;
    byPhandle = new Map();
    for (const node of fdt ? walk(fdt.root) : []) {
      const ph = phandleOf(node);
      if (ph !== undefined && !byPhandle.has(ph)) byPhandle.set(ph, node);
    }
    return byPhandle;
  };
  return {
    nodeByPhandle: (phandle) => index().get(phandle),
    nodeOf: (host: HostDevice) => (fdt ? findNode(fdt, host.dtPath) : undefined),
  };
}
