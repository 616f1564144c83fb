import { findNode, phandleOf } from "../fdt/lookup.js";
import { type Fdt, type FdtNode, walk } from "../fdt/tree.js";
import type { HostDevice } from "../host/device.js";
import type { HostTree } from "./api.js";

/** Phandle indexes per host tree; a host tree is only ever read, so one index serves every plan. */
const indexes = new WeakMap<Fdt, Map<number, FdtNode>>();

function phandleIndex(fdt: Fdt): Map<number, FdtNode> {
  let index = indexes.get(fdt);
  if (!index) {
    index = new Map();
    for (const node of walk(fdt.root)) {
      const ph = phandleOf(node);
      if (ph !== undefined && !index.has(ph)) index.set(ph, node);
    }
    indexes.set(fdt, index);
  }
  return index;
}

/**
 * A HostTree over the host's device tree (offline: the --host-dtb). Phandles are indexed on
 * the first lookup: most plans never follow one, and a large board tree takes a while to walk.
 */
export function hostTreeOf(fdt: Fdt | undefined): HostTree {
  return {
    nodeByPhandle: (phandle) => (fdt ? phandleIndex(fdt).get(phandle) : undefined),
    nodeOf: (host: HostDevice) => (fdt ? findNode(fdt, host.dtPath) : undefined),
  };
}
