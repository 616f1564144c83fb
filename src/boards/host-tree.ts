import { findNode, phandleOf } from "../fdt/lookup.js";
import { type Fdt, type FdtNode, walk } from "../fdt/tree.js";
import type { HostDevice } from "../host/device.js";
import type { HostTree } from "./api.js";

/** A HostTree over the host's device tree (offline: the --host-dtb), phandles indexed once. */
export function hostTreeOf(fdt: Fdt | undefined): HostTree {
  const byPhandle = new Map<number, FdtNode>();
  if (fdt) {
    for (const node of walk(fdt.root)) {
      const ph = phandleOf(node);
      if (ph !== undefined && !byPhandle.has(ph)) byPhandle.set(ph, node);
    }
  }
  return {
    nodeByPhandle: (phandle) => byPhandle.get(phandle),
    nodeOf: (host: HostDevice) => (fdt ? findNode(fdt, host.dtPath) : undefined),
  };
}
