import { findNode, phandleIndex } from "../fdt/lookup.js";
import type { Fdt } from "../fdt/tree.js";
import type { HostDevice } from "../host/device.js";
import type { HostTree } from "./api.js";

/**
 * A HostTree over the host's device tree (offline: the --host-dtb). Phandles come from the
 * tree's shared index, built on the first lookup: most plans never follow one.
 */
export function hostTreeOf(fdt: Fdt | undefined): HostTree {
  return {
    nodeByPhandle: (phandle) => (fdt ? phandleIndex(fdt.root).nodes.get(phandle) : undefined),
    nodeOf: (host: HostDevice) => (fdt ? findNode(fdt, host.dtPath) : undefined),
  };
}
