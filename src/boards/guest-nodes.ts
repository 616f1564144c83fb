/**
 * The nodes a plan adds to QEMU's base tree, collected as data in the order QEMU would
 * create them (each device's clock copies, then the device), for machvirt's
 * assembleGuestDtb to write. Fixed-clock copies are shared between devices.
 */
import { InputError } from "../errors.js";
import type { Fdt } from "../fdt/tree.js";
import type { GuestNode, PhandleRef } from "../machvirt/guest-dt.js";
import type { HostTree } from "./api.js";
import { copyProperties, FIXED_CLOCK_PROPERTIES, isFixedClockNode } from "./copy.js";

export class GuestNodes {
  /** In creation order; label phandles are allocated in this order, as QEMU's counter runs. */
  readonly nodes: GuestNode[] = [];
  readonly #clocks = new Map<number, PhandleRef>();
  readonly #rootNames: Set<string>;

  constructor(base: Fdt) {
    this.#rootNames = new Set(base.root.children.map((c) => c.name));
  }

  add(node: GuestNode): void {
    if ((node.at ?? "platform-bus") === "root") this.#rootNames.add(node.name);
    this.nodes.push(node);
  }

  /** A root child name not yet used: `name`, else `name-1`, `name-2`, … */
  freeRootName(name: string): string {
    if (!this.#rootNames.has(name)) return name;
    const at = name.indexOf("@");
    const [base, unit] = at < 0 ? [name, ""] : [name.slice(0, at), name.slice(at)];
    for (let i = 1; ; i++) {
      const candidate = `${base}-${i}${unit}`;
      if (!this.#rootNames.has(candidate)) return candidate;
    }
  }

  /**
   * A reference to the guest copy of the fixed host clock `hostPhandle`, creating it on first
   * use under the host node's name (or a free variant, with a warning, where QEMU would exit).
   */
  fixedClock(
    hostTree: HostTree,
    hostPhandle: number,
    where: string,
    warn: (m: string) => void,
  ): PhandleRef {
    const known = this.#clocks.get(hostPhandle);
    if (known) return known;
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
    const name = this.freeRootName(host.name);
    if (name !== host.name)
      warn(`clock copy of ${host.path} named /${name}: /${host.name} is taken in the guest tree`);
    const ref = { ref: `host-clock-${hostPhandle}` };
    this.add({
      name,
      at: "root",
      label: ref.ref,
      properties: copyProperties(host.properties, FIXED_CLOCK_PROPERTIES, host.path),
    });
    this.#clocks.set(hostPhandle, ref);
    return ref;
  }
}
