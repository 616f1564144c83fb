// @ts-check
/**
 * Any platform device QEMU's vfio-platform can carry. The guest node is the host node with
 * `reg` and `interrupts` rewritten (by platpass) to where QEMU puts the device, and without
 * everything that points at other host nodes (phandles mean nothing in the guest): `clocks`
 * become guest copies when every clock is a fixed-clock, and are dropped otherwise; pin
 * control, resets, power domains, IOMMUs, DMA channels, PHYs, GPIOs, supplies and the like
 * are dropped. Every property and child node that does not reach the guest is listed as a
 * warning in the plan. Properties are recognised by name (vendor ones by the usual shapes,
 * e.g. `rockchip,grf`); the options `keep` and `drop` correct it for a given device.
 */
import { z } from "zod";

/**
 * Properties that hold host phandles (or only make sense beside one that does), with the reason
 * the plan gives for dropping each. `clocks` and `clock-names` are handled apart: fixed clocks
 * are replaced, not dropped.
 */
const REFERENCES = {
  "interrupts-extended": "its interrupts are rewritten onto the guest's GIC",
  "interrupt-parent": "the guest node inherits the platform bus's GIC",
  "interrupt-map": "it maps to host interrupt controllers",
  "interrupt-map-mask": "it belongs to interrupt-map",
  "assigned-clocks": "it points at host clock controllers",
  "assigned-clock-parents": "it points at host clock controllers",
  "assigned-clock-rates": "it belongs to assigned-clocks",
  "pinctrl-names": "pin control stays with the host",
  resets: "resets are host reset controllers",
  "reset-names": "it names the dropped resets",
  "power-domains": "power domains are the host's",
  "power-domain-names": "it names the dropped power-domains",
  iommus: "the host IOMMU is the host's; VFIO maps the guest's DMA",
  "iommu-map": "the host IOMMU is the host's",
  "iommu-map-mask": "it belongs to iommu-map",
  dmas: "DMA channels are host DMA controllers",
  "dma-names": "it names the dropped dmas",
  phys: "PHYs are host nodes",
  "phy-names": "it names the dropped phys",
  "phy-handle": "the PHY is a host node",
  "msi-parent": "MSIs go to a host interrupt controller",
  "msi-map": "MSIs go to a host interrupt controller",
  "memory-region": "reserved memory is the host's",
  "memory-region-names": "it names the dropped memory-region",
  "nvmem-cells": "NVMEM cells live in host nodes",
  "nvmem-cell-names": "it names the dropped nvmem-cells",
  mboxes: "mailboxes are host nodes",
  "mbox-names": "it names the dropped mboxes",
  interconnects: "interconnects are host nodes",
  "interconnect-names": "it names the dropped interconnects",
  "operating-points-v2": "OPP tables are host nodes",
  "gpio-ranges": "it points at the host pin controller",
  pwms: "PWMs are host nodes",
  "pwm-names": "it names the dropped pwms",
  "io-channels": "ADC channels are host nodes",
  "io-channel-names": "it names the dropped io-channels",
  hwlocks: "hardware spinlocks are host nodes",
  sram: "SRAM is a host node",
  syscon: "it points at a host system controller",
  "mux-controls": "muxes are host nodes",
  "thermal-sensors": "sensors are host nodes",
  "cooling-device": "cooling devices are host nodes",
  "access-controllers": "access controllers are host nodes",
};

/** Name shapes that hold phandles in every binding that uses them. */
const REFERENCE_SHAPES = [
  { test: /^pinctrl-\d+$/, reason: "pin control stays with the host" },
  { test: /-supply$/, reason: "regulators are host nodes" },
  { test: /(^|-)gpios?$/, reason: "GPIOs belong to host GPIO controllers" },
  {
    test: /(^|[,-])(syscon|grf|pmu|sram|phandle|handle|regmap)s?$/,
    reason: "it points at a host node",
  },
];

/** The node's own identity and state, not meaningful in the guest. */
const IDENTITY = {
  phandle: "nothing in the guest refers to this node",
  "linux,phandle": "nothing in the guest refers to this node",
  status: "the guest node is always enabled",
};

const Options = z.strictObject({
  keep: z
    .array(z.string())
    .default([])
    .describe("Properties to copy even though they look like host references (at your own risk)."),
  drop: z.array(z.string()).default([]).describe("More properties to leave out of the guest node."),
  nodeName: z
    .string()
    .regex(/^[A-Za-z0-9,._+-]+$/)
    .optional()
    .describe("Guest node name without unit address; by default the host node's."),
});

/**
 * Why the property does not reach the guest, or undefined when it is copied.
 * @param {string} name
 * @param {{ keep: string[], drop: string[] }} options
 */
function dropReason(name, options) {
  if (options.keep.includes(name)) return undefined;
  if (options.drop.includes(name)) return "the config's options drop it";
  const identity = IDENTITY[/** @type {keyof typeof IDENTITY} */ (name)];
  if (identity) return identity;
  const reference = REFERENCES[/** @type {keyof typeof REFERENCES} */ (name)];
  if (reference) return reference;
  return REFERENCE_SHAPES.find((s) => s.test.test(name))?.reason;
}

/**
 * The host clock phandles in `clocks`, or the reason they cannot all be copied.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {Uint8Array} clocks
 * @returns {{ phandles: number[] } | { reason: string }}
 */
function fixedClocks(ctx, clocks) {
  const words = ctx.values.asU32s(clocks);
  const phandles = [];
  for (let i = 0; i < words.length; ) {
    const phandle = /** @type {number} */ (words[i]);
    const provider = ctx.hostTree.nodeByPhandle(phandle);
    const cellsValue = provider?.properties.get("#clock-cells");
    if (!provider || !cellsValue)
      return { reason: `clock phandle ${phandle} has no provider in the host tree` };
    if (!ctx.isFixedClock(phandle))
      return { reason: `host clock ${provider.path} is not a fixed-clock` };
    phandles.push(phandle);
    i += 1 + ctx.values.asU32(cellsValue);
  }
  return { phandles };
}

/**
 * The guest `clocks` value (references to fixed-clock copies), or undefined after warning
 * that `clocks` and `clock-names` are dropped.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {Uint8Array} clocks
 * @returns {import("platpass/boards").GuestValue | undefined}
 */
function guestClocks(ctx, clocks) {
  const result = fixedClocks(ctx, clocks);
  if ("phandles" in result) {
    return { cells: result.phandles.map((phandle) => ctx.fixedClock(phandle)) };
  }
  ctx.warn(`dropped 'clocks': ${result.reason}`, "clocks");
  if (ctx.host.properties.has("clock-names")) {
    ctx.warn("dropped 'clock-names': it names the dropped clocks", "clock-names");
  }
  return undefined;
}

/** @type {import("platpass/boards").BoardPlugin<z.output<typeof Options>>} */
export default {
  name: "generic",
  summary:
    "any MMIO platform device: host node copied, reg/interrupts rewritten, host references dropped",
  qemuDevice: "vfio-platform",
  match: {
    anyDevice: 1,
    declines(host) {
      if (host.regions.length === 0) return "the device has no MMIO region to assign";
      if (host.compatible.length === 0)
        return "the device has no compatible for the guest driver to match";
      return undefined;
    },
  },
  options: Options,
  build(ctx) {
    const hostNode = ctx.hostTree.nodeOf(ctx.host);
    const hostClocks = ctx.host.properties.get("clocks");
    const keepClocks = ctx.options.keep.includes("clocks");
    const clocks = hostClocks && !keepClocks ? guestClocks(ctx, hostClocks) : undefined;
    // guestClocks has warned for dropped clocks and their names.
    const dropsClockNames = hostClocks && !keepClocks && !clocks;
    /** @type {Record<string, import("platpass/boards").GuestValue>} */
    const properties = {};
    for (const [name, value] of ctx.host.properties) {
      if (name === "reg" || name === "interrupts") continue;
      if (name === "clock-names" && dropsClockNames) continue;
      if (name === "clocks" && !keepClocks) {
        if (clocks) properties.clocks = clocks;
        continue;
      }
      const reason = dropReason(name, ctx.options);
      if (reason) ctx.warn(`dropped '${name}': ${reason}`, name);
      else properties[name] = value.slice();
    }
    for (const child of hostNode?.children ?? []) {
      ctx.warn(`dropped child node '${child.name}': child nodes are not copied`);
    }
    const hostName = hostNode?.name ?? ctx.host.name.slice(ctx.host.name.indexOf(".") + 1);
    return { name: ctx.options.nodeName ?? hostName.split("@")[0] ?? hostName, properties };
  },
};
