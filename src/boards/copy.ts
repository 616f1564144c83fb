/**
 * The shared copy helpers: host properties copied verbatim by list (QEMU's
 * copy_properties_from_host) and guest copies of fixed host clocks (QEMU's
 * fdt_build_clock_node). Plugins reach them through their build context.
 */
import { InputError } from "../errors.js";
import type { FdtNode } from "../fdt/tree.js";
import { asStrings, cells } from "../fdt/values.js";
import type { CopiedProperty, HostTree } from "./api.js";
import type { GuestTree } from "./guest-tree.js";

/** What QEMU copies from a host clock node into its guest copy, in its order. */
export const FIXED_CLOCK_PROPERTIES: readonly CopiedProperty[] = [
  { name: "compatible", optional: false },
  { name: "#clock-cells", optional: false },
  { name: "clock-frequency", optional: true },
  { name: "clock-output-names", optional: true },
];

/** The mandatory entries of `list` that `from` lacks. */
export function missingProperties(
  from: ReadonlyMap<string, Uint8Array>,
  list: readonly CopiedProperty[],
): string[] {
  return list.filter((c) => !c.optional && !from.has(c.name)).map((c) => c.name);
}

/** Copies the listed properties that exist, in list order; every missing mandatory one is an error. */
export function copyProperties(
  from: ReadonlyMap<string, Uint8Array>,
  to: FdtNode,
  list: readonly CopiedProperty[],
  where: string,
): void {
  const missing = missingProperties(from, list);
  if (missing.length > 0) {
    throw new InputError(
      "BOARD_MISSING_PROPERTY",
      `the host node lacks mandatory propert${missing.length === 1 ? "y" : "ies"} ${missing.map((m) => `'${m}'`).join(", ")}`,
      {
        where,
        hint: "The host device tree must describe the device fully; check the board's DTB.",
      },
    );
  }
  for (const { name } of list) {
    const value = from.get(name);
    if (value !== undefined) to.setProperty(name, value.slice());
  }
}

/** QEMU's test: the first compatible string is "fixed-clock". */
export function isFixedClockNode(node: FdtNode | undefined): boolean {
  const compatible = node?.property("compatible");
  if (!compatible || compatible.length === 0 || compatible[compatible.length - 1] !== 0)
    return false;
  return asStrings(compatible)[0] === "fixed-clock";
}

/**
 * The guest phandle of a copy of the fixed host clock `hostPhandle`, creating the copy at the
 * guest root under the host node's name on first use. `warn` hears about a renamed copy (the
 * name was taken, where QEMU would have exited).
 */
export function fixedClockCopy(
  tree: GuestTree,
  hostTree: HostTree,
  hostPhandle: number,
  where: string,
  warn: (message: string) => void,
): number {
  const known = tree.clockCopies.get(hostPhandle);
  if (known !== undefined) return known;
  const host = hostTree.nodeByPhandle(hostPhandle);
  if (!host) {
    throw new InputError(
      "BOARD_CLOCK_NOT_FOUND",
      `no host node has the clock phandle ${hostPhandle}`,
      {
        where,
        hint: "The host device tree must hold the clock nodes the device references (give the whole board DTB).",
      },
    );
  }
  if (!isFixedClockNode(host)) {
    throw new InputError(
      "BOARD_CLOCK_NOT_FIXED",
      `the host clock ${host.path} is not a fixed-clock, so the guest cannot get a copy of it`,
      {
        where,
        hint: "Only fixed clocks can be copied into the guest; a plugin for this device must describe its clocks another way.",
      },
    );
  }
  const name = tree.freeRootName(host.name);
  if (name !== host.name)
    warn(`clock copy of ${host.path} named /${name}: /${host.name} is taken in the guest tree`);
  const guestPhandle = tree.allocatePhandle();
  const node = tree.fdt.root.addChild(name);
  copyProperties(host.properties, node, FIXED_CLOCK_PROPERTIES, host.path);
  node.setProperty("phandle", cells(guestPhandle));
  tree.clockCopies.set(hostPhandle, guestPhandle);
  return guestPhandle;
}
