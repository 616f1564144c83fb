/**
 * The board plugin API (`platpass/boards`): everything a plugin author sees.
 *
 * A plugin teaches platpass how one kind of host device looks to a guest. It is mostly
 * data, as QEMU's hw/core/sysbus-fdt.c binding and copy tables are: what it matches, the
 * QEMU device type that carries it, its preconditions, the host properties it copies, and a
 * short `build(ctx)` for what cannot be data. A plugin module imports nothing from platpass at
 * run time: the context hands it the device, the value codecs and the shared helpers, so a
 * plugin works the same from boards/, from a path and from an npm package. The dispatcher
 * (dispatch.ts) puts the `copy` list into the node; `build` returns only what it adds, as
 * data; platpass writes `reg`, `interrupts` and phandles from the plan
 * (src/machvirt/guest-dt.ts), so a plugin cannot get an address or an SPI wrong.
 *
 * The host is seen through types of this module's own (HostDevice, HostNode), narrower and
 * read-only views of platpass's records, so those records can change without changing the API.
 */
import type { z } from "zod";
import type { GuestChild, GuestValue, PhandleRef } from "../machvirt/guest-dt.js";
import type { IrqTrigger } from "../vfio/types.js";

export type { GuestChild, GuestValue, IrqTrigger, PhandleRef };

/** A node of the host's device tree. */
export interface HostNode {
  /** Full name with unit address ("clk250mhz_0", "serial@20010000"). */
  readonly name: string;
  /** Absolute path ("/smb/clk250mhz_0"). */
  readonly path: string;
  /** Raw values in blob order. */
  readonly properties: ReadonlyMap<string, Uint8Array>;
  readonly children: readonly HostNode[];
}

/** One host device: from live sysfs or, offline, from the board's DTB. */
export interface HostDevice {
  /** sysfs name, e.g. "e0700000.xgmac" or "c000000.tpm_tis". */
  readonly name: string;
  /** Path of the device's node in the host device tree, e.g. "/smb/xgmac@e0700000". */
  readonly dtPath: string;
  readonly compatible: readonly string[];
  /** The host node's properties, raw bytes. */
  readonly properties: ReadonlyMap<string, Uint8Array>;
  /** MMIO regions in VFIO index order. */
  readonly regions: readonly { readonly index: number; readonly size: number }[];
  /** IRQs in VFIO index order; an AUTOMASKED one is level-triggered. */
  readonly irqs: readonly { readonly index: number; readonly automasked: boolean }[];
  /**
   * What the live kernel reports of the device's clocks (clk debugfs), one per entry of its
   * `clocks` in order: the kernel's name for the clock and its rate in Hz; `name` is undefined
   * where no kernel clock matched. Absent offline and for a device without clocks.
   */
  readonly power?: {
    readonly clocks: readonly { readonly name: string | undefined; readonly rate?: number }[];
  };
}

/** The QEMU device types a plugin can ask for (all removed in QEMU 10.2). */
export type QemuDeviceType = "vfio-platform" | "vfio-calxeda-xgmac" | "vfio-amd-xgbe";

/** One host compatible a plugin handles; the highest score over all plugins wins. */
export interface CompatibleMatch {
  compatible: string;
  score: number;
}

export interface PluginMatch {
  /** Host compatibles handled, each with its score. */
  compatible?: readonly CompatibleMatch[];
  /** Score for any device at all (the generic fallback); compatible matches should beat it. */
  anyDevice?: number;
  /** The reason this plugin refuses a device it would otherwise match, or undefined. */
  declines?(host: HostDevice): string | undefined;
}

/** A count rule for regions or IRQs. */
export interface CountRule {
  exactly?: number;
  min?: number;
  max?: number;
  /** Why the rule exists, shown when it is unmet. */
  because?: string;
}

export interface Preconditions {
  regions?: CountRule;
  irqs?: CountRule;
  /** Host DT properties that must exist on the device's node. */
  hostProperties?: readonly string[];
  /** Anything data cannot say: every unmet condition, as sentences; empty when all hold. */
  check?(ctx: CheckContext): string[];
}

/** A host property the guest node takes verbatim, as in QEMU's HostProperty tables. */
export interface CopiedProperty {
  name: string;
  /** Missing optional properties are skipped; a missing mandatory one is an unmet precondition. */
  optional: boolean;
}

/** The host's device tree as plugins may read it (offline: the --host-dtb). */
export interface HostTree {
  /** The host node with this phandle, or undefined. */
  nodeByPhandle(phandle: number): HostNode | undefined;
  /** The host node of the device, or undefined when the host tree does not have it. */
  nodeOf(host: HostDevice): HostNode | undefined;
}

/** One of the device's MMIO regions as QEMU maps it on the platform bus. */
export interface PlannedRegion {
  /** VFIO region index = sysbus MMIO index. */
  index: number;
  size: number;
  /** Offset inside the platform bus: what a node under the bus puts in `reg`. */
  busOffset: number;
  /** Guest physical address. */
  guestAddress: number;
}

/** One of the device's IRQs as QEMU wires it. */
export interface PlannedIrq {
  /** VFIO IRQ index = sysbus IRQ index. */
  index: number;
  /** Platform-bus line, 0…63. */
  line: number;
  /** GIC SPI number (112 + line). */
  spi: number;
  trigger: IrqTrigger;
  /** QEMU wires a resamplefd for it (level-triggered, AUTOMASKED). */
  resample: boolean;
}

/** Property value codecs (big-endian), the same the platpass FDT module uses. */
export interface ValueCodecs {
  cells(...values: (number | bigint)[]): Uint8Array;
  u64(...values: (number | bigint)[]): Uint8Array;
  str(...strings: string[]): Uint8Array;
  empty(): Uint8Array;
  asU32(v: Uint8Array): number;
  asU32s(v: Uint8Array): number[];
  asString(v: Uint8Array): string;
  asStrings(v: Uint8Array): string[];
}

/**
 * What a plugin's `build` returns for the device: what the guest node adds to the plugin's
 * `copy` list. platpass places the node on the platform bus.
 */
export interface DeviceNode {
  /**
   * Node name without unit address; platpass appends `@<bus offset of region 0>` (as QEMU
   * names the nodes it writes).
   */
  name: string;
  /**
   * Properties beyond the copied ones, written after them in this order; one named like a
   * copied property replaces the host's value in its place. Never `reg`, `interrupts`,
   * `interrupt-parent` or `phandle`, which platpass writes from the plan. A value is raw
   * bytes, or cells where some are references (`{ ref }`, e.g. from ctx.fixedClock) that
   * become phandles.
   */
  properties?: Record<string, GuestValue>;
  /**
   * Child nodes, when the device's binding has them (an MDIO bus and its PHYs). A child gives
   * its own `reg`, which is in the device's address space (a PHY's address); platpass writes
   * the phandles of labelled children.
   */
  children?: GuestChild[];
  /**
   * The trigger `interrupts` says: one for every IRQ, or a list with one per VFIO IRQ index.
   * By default each IRQ's own (level when VFIO reports it AUTOMASKED, else edge).
   */
  trigger?: IrqTrigger | readonly IrqTrigger[];
}

/** What `preconditions.check` gets: the device, the host tree and the shared tests. */
export interface CheckContext {
  host: HostDevice;
  hostTree: HostTree;
  values: ValueCodecs;
  /**
   * Whether the host node with this phandle is a fixed clock, the only kind `fixedClock`
   * copies (QEMU's test: its first compatible is "fixed-clock").
   */
  isFixedClock(hostPhandle: number): boolean;
}

/** What `build` gets: the device, where QEMU puts it, and the shared helpers. */
export interface BuildContext<Options = unknown> extends CheckContext {
  regions: readonly PlannedRegion[];
  irqs: readonly PlannedIrq[];
  /** The plugin's options, already validated by its schema. */
  options: Options;
  /**
   * A reference to a guest copy of the fixed host clock `hostPhandle` (QEMU's
   * fdt_build_clock_node): compatible, #clock-cells, clock-frequency and clock-output-names at
   * the guest root under the host node's name, with a new phandle. A clock already copied for
   * an earlier device is shared. Throws when the host clock is not a fixed-clock.
   */
  fixedClock(hostPhandle: number): PhandleRef;
  /**
   * A reference to a stand-in for a host clock the guest cannot have (one of a clock
   * controller's outputs): a `fixed-clock` node at the guest root running at `rate` Hz, with
   * `clock-output-names = name`, which Linux's clk-fixed-rate driver serves. Linux refuses two
   * clocks of one name, so a name already given at the same rate is shared, and at another rate
   * gets a suffix. Each stand-in is listed in the plan's warnings with its rate and `from`
   * (where the rate came from, e.g. "the host DT's assigned-clock-rates").
   */
  standInClock(rate: number, name: string, from?: string): PhandleRef;
  /**
   * A stand-in for the host regulator the device's `supply` property (e.g. "phy-supply")
   * names: a `regulator-fixed` node at the guest root, which Linux's reg-fixed-voltage driver
   * serves, at the voltage the host regulator states as fixed (regulator-min-microvolt =
   * regulator-max-microvolt), with its regulator-name; one per host regulator, shared between
   * devices, listed in the plan's warnings with its voltage. `{ reason }` when the host states
   * no fixed voltage: the plugin warns, and records the finding when its driver needs the supply.
   */
  standInRegulator(supply: string): { ref: PhandleRef } | { reason: string };
  /**
   * A reference to the plan's `usb-nop-xceiv` stand-in (`#phy-cells = <0>`, at the guest
   * root, one for the whole plan), which Linux's phy-generic serves: for a USB PHY that needs
   * no driver (the host's is a `usb-nop-xceiv` too). Listed in the plan's warnings under
   * `property`.
   */
  standInNopPhy(property: string): PhandleRef;
  /**
   * The device's own MDIO PHY: when its `phy-handle` names a PHY on the device's own MDIO bus
   * (a child `mdio` node, or a direct child), that bus's subtree as child nodes for the guest
   * node (or the PHY node itself) and the reference for the guest `phy-handle`. Host
   * references inside the subtree (the PHY's interrupt, reset GPIO, pin control) are left out,
   * each with a warning. Undefined without a `phy-handle`; `{ reason }` when the PHY sits
   * elsewhere (on another device's bus), for the plugin to warn and record the finding.
   */
  ownMdioPhy(): { phyHandle: PhandleRef; children: GuestChild[] } | { reason: string } | undefined;
  /**
   * The guest node of a device the device refers to as its provider (`dmas = <&dma 3>`,
   * `resets`, `mboxes`), when the host node with phandle `hostPhandle` is a device assigned in
   * the same config: a reference to that device's guest node (which then gets a phandle of its
   * own) and that device's host name, for the plugin to keep the reference with its specifier
   * cells; the plan notes each such group. Otherwise `{ hint }`: the host device to add to the
   * config for it, or why none can be (an AMBA device, no host device for the node), for the
   * plugin's finding.
   */
  assignedProvider(hostPhandle: number): { ref: PhandleRef; host: string } | { hint: string };
  /** Records a warning in the plan (e.g. a dropped property and why). */
  warn(message: string, property?: string): void;
  /**
   * Records a guest-driver finding: a requirement of the device's binding the guest node
   * cannot meet, so the guest driver will not probe (e.g. `resets`: no reset controller in the
   * guest). Distinct from warnings; `--strict` makes any finding an error.
   */
  finding(property: string, message: string): void;
}

/** A schema for options: zod 3 or 4, or anything with the same safeParse. */
export interface OptionsSchema<Options> {
  safeParse(value: unknown):
    | { success: true; data: Options }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
      };
}

/** One register access of a quiesce, on the device's region `region` (0 unless told). */
export type QuiesceStep =
  | { offset: number; write: number; width?: 8 | 16 | 32; region?: number }
  | {
      offset: number;
      /** Poll until `(value & mask) === equals`, for at most `timeoutMs` (default 750). */
      waitFor: { mask: number; equals: number };
      width?: 8 | 16 | 32;
      region?: number;
      timeoutMs?: number;
    };

/**
 * What a vfio-platform reset module would do, for a device that has none (vfio-platform
 * reset_required=0 hands it over as the host driver left it): register accesses platpass
 * makes through VFIO after binding and before QEMU opens the device. A level interrupt the
 * host driver left asserted is the case in point: QEMU's irqfd with resample loses it and
 * every interrupt after it for the whole run.
 */
export interface Quiesce {
  /** One sentence for the launch report. */
  why: string;
  steps: readonly QuiesceStep[];
}

export interface BoardPlugin<Options = unknown> {
  /** Unique name users put in a config's `plugin` ("amd-xgbe"). */
  name: string;
  /** One line for `platpass list` and the docs. */
  summary: string;
  match: PluginMatch;
  qemuDevice: QemuDeviceType;
  preconditions?: Preconditions;
  /**
   * Host properties the guest node takes verbatim, in list order, before what `build` adds
   * (QEMU's copy_properties_from_host); the dispatcher copies them. A missing mandatory one
   * is reported with the unmet preconditions, before anything is planned.
   */
  copy?: readonly CopiedProperty[];
  /**
   * The schema for `devices[].options`. Either a schema of the plugin's own (zod 3 or 4), or
   * a function given platpass's zod 4 that returns one — the way to use zod without
   * depending on it: `options: (z) => z.strictObject({ … })`.
   */
  options?: OptionsSchema<Options> | ((zod: typeof z) => OptionsSchema<Options>);
  /** Register accesses that leave the device clean for the guest (see Quiesce). */
  quiesce?: Quiesce;
  /** The guest node for one device: what it adds to the copied properties. */
  build(ctx: BuildContext<Options>): DeviceNode;
}
