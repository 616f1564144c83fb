/**
 * The nodes a plan adds to QEMU's base tree, collected as data in the order QEMU would
 * create them (each device's clock copies and stand-ins, then the device), for machvirt's
 * assembleGuestDtb to write. Fixed-clock copies, and stand-ins of one name and rate, are
 * shared between devices.
 */
import { InputError } from "../errors.js";
import type { Fdt } from "../fdt/tree.js";
import { asString, asU32, cells, str } from "../fdt/values.js";
import type { GuestNode, PhandleRef } from "../machvirt/guest-dt.js";
import type { HostTree } from "./api.js";
import { copyProperties, FIXED_CLOCK_PROPERTIES, isFixedClockNode } from "./copy.js";

/** The largest rate a fixed-clock holds: Linux reads its clock-frequency as one u32 cell. */
const MAX_CLOCK_RATE = 0xffff_ffff;

export class GuestNodes {
  /** In creation order; label phandles are allocated in this order, as QEMU's counter runs. */
  readonly nodes: GuestNode[] = [];
  readonly #clocks = new Map<number, PhandleRef>();
  readonly #rootNames: Set<string>;
  /** Stand-in clocks by clock-output-names, which Linux keeps unique. */
  readonly #standIns = new Map<string, { rate: number; ref: PhandleRef; node: string }>();
  /** Stand-in regulators by the host regulator's phandle. */
  readonly #regulators = new Map<number, { ref: PhandleRef; node: string; microvolts: number }>();
  #nopPhy: { ref: PhandleRef; node: string } | undefined;

  constructor(base: Fdt) {
    this.#rootNames = new Set(base.root.children.map((c) => c.name));
  }

  add(node: GuestNode): void {
    if ((node.at ?? "platform-bus") === "root") this.#rootNames.add(node.name);
    this.nodes.push(node);
  }

  /** Adds a node at the guest root that other nodes refer to by `label`; the reference. */
  #addReferenced(name: string, label: string, properties: GuestNode["properties"]): PhandleRef {
    this.add({ name, at: "root", label, ...(properties ? { properties } : {}) });
    return { ref: label };
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
    const ref = this.#addReferenced(
      name,
      `host-clock-${hostPhandle}`,
      copyProperties(host.properties, FIXED_CLOCK_PROPERTIES, host.path),
    );
    this.#clocks.set(hostPhandle, ref);
    return ref;
  }

  /**
   * A reference to a fixed-clock stand-in at `rate` Hz output as `name` (a free variant of it
   * when `name` runs at another rate already), creating it at the guest root on first use.
   */
  standInClock(
    rate: number,
    name: string,
    where: string,
    warn: (m: string) => void,
    from?: string,
  ): PhandleRef {
    if (!Number.isInteger(rate) || rate <= 0 || rate > MAX_CLOCK_RATE) {
      throw new InputError(
        "BOARD_STAND_IN_RATE",
        `a stand-in clock needs a rate in Hz from 1 to ${MAX_CLOCK_RATE}, not ${rate} (clock '${name}')`,
        { where, hint: "Give the clock's rate as a whole number of Hz (e.g. 125000000)." },
      );
    }
    if (name.length === 0 || name.includes("\0")) {
      throw new InputError(
        "BOARD_STAND_IN_NAME",
        `a stand-in clock needs a name without NUL characters, not ${JSON.stringify(name)}`,
        { where, hint: "Name the clock as its clock-names entry does (e.g. 'clk_ahb')." },
      );
    }
    const source = from === undefined ? "" : `, rate from ${from}`;
    let output = name;
    for (let i = 1; ; i++) {
      const known = this.#standIns.get(output);
      if (!known) break;
      if (known.rate === rate) {
        warn(
          `clock '${name}': shares the stand-in fixed-clock /${known.node} at ${rate} Hz${source}`,
        );
        return known.ref;
      }
      output = `${name}-${i}`;
    }
    const node = this.freeRootName(`clock-${output.replace(/[^A-Za-z0-9,._+-]/g, "-")}`);
    const ref = this.#addReferenced(node, `stand-in-clock-${this.#standIns.size}`, {
      compatible: str("fixed-clock"),
      "#clock-cells": cells(0),
      "clock-frequency": cells(rate),
      "clock-output-names": str(output),
    });
    this.#standIns.set(output, { rate, ref, node });
    warn(`clock '${name}': stand-in fixed-clock /${node} at ${rate} Hz${source}`);
    return ref;
  }

  /**
   * A reference to a `regulator-fixed` stand-in for the host regulator `hostPhandle`, at the
   * voltage the host node states as fixed (regulator-min-microvolt = regulator-max-microvolt),
   * shared by every supply of that regulator; or why there is none.
   */
  standInRegulator(
    hostTree: HostTree,
    hostPhandle: number,
    supply: string,
    warn: (m: string) => void,
  ): { ref: PhandleRef } | { reason: string } {
    const known = this.#regulators.get(hostPhandle);
    if (known) {
      warn(
        `supply '${supply}': shares the stand-in regulator-fixed /${known.node} at ${known.microvolts} µV`,
      );
      return { ref: known.ref };
    }
    const host = hostTree.nodeByPhandle(hostPhandle);
    if (!host) return { reason: `no host node has the regulator phandle ${hostPhandle}` };
    const min = host.properties.get("regulator-min-microvolt");
    const max = host.properties.get("regulator-max-microvolt");
    if (!min || !max || asU32(min) !== asU32(max)) {
      return {
        reason: `the host regulator ${host.path} states no fixed voltage (regulator-min-microvolt = regulator-max-microvolt)`,
      };
    }
    const microvolts = asU32(min);
    const hostName = host.properties.get("regulator-name");
    const name = hostName ? asString(hostName) : host.name;
    const node = this.freeRootName(`regulator-${name.replace(/[^A-Za-z0-9,._+-]/g, "-")}`);
    const ref = this.#addReferenced(node, `stand-in-regulator-${this.#regulators.size}`, {
      compatible: str("regulator-fixed"),
      "regulator-name": str(name),
      "regulator-min-microvolt": cells(microvolts),
      "regulator-max-microvolt": cells(microvolts),
    });
    this.#regulators.set(hostPhandle, { ref, node, microvolts });
    warn(
      `supply '${supply}': stand-in regulator-fixed /${node} at ${microvolts} µV, voltage from the host DT's ${host.path}`,
    );
    return { ref };
  }

  /** A reference to the plan's one `usb-nop-xceiv` stand-in, created at the guest root on first use. */
  standInNopPhy(property: string, warn: (m: string) => void): PhandleRef {
    if (!this.#nopPhy) {
      const node = this.freeRootName("usb-phy-nop");
      const ref = this.#addReferenced(node, "stand-in-usb-nop-xceiv", {
        compatible: str("usb-nop-xceiv"),
        "#phy-cells": cells(0),
      });
      this.#nopPhy = { ref, node };
      warn(`'${property}': stand-in usb-nop-xceiv /${node}, which Linux's phy-generic serves`);
    } else {
      warn(`'${property}': shares the stand-in usb-nop-xceiv /${this.#nopPhy.node}`);
    }
    return this.#nopPhy.ref;
  }
}
