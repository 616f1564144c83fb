// @ts-check
/**
 * Any platform device QEMU's vfio-platform can carry. The guest node is the host node with
 * `reg` and `interrupts` rewritten (by platpass) to where QEMU puts the device, and without
 * everything that points at other host nodes (phandles mean nothing in the guest): `clocks`
 * become guest copies of fixed host clocks and stand-in fixed-clocks for the others, at the
 * rate the live kernel reports (clk debugfs), else the host DT states, else the config's
 * `clockRates` gives, and are dropped when a rate is unknown; a supply becomes a stand-in
 * fixed regulator where the host regulator states a fixed voltage, and a list of `usb-nop-xceiv` PHYs the plan's nop stand-in;
 * `dmas`, `resets`, `mboxes`, `phys` and `pwms` whose providers are devices assigned in the same
 * config refer to those devices' guest nodes (ctx.assignedProvider); pin control, resets,
 * power domains, IOMMUs, DMA channels, other PHYs and supplies, GPIOs and the like are
 * dropped. Every property and child node that does not reach the guest is listed as a warning
 * in the plan; each drop the guest driver may not probe without (clocks,
 * resets, DMA, power domains, syscons, a real PHY) is also a guest-driver finding. Properties are recognised by name (vendor ones by the usual shapes,
 * e.g. `rockchip,grf`); the options `keep` and `drop` correct it for a given device.
 */
/** @import { z } from "zod" */

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
  "usb-phy": "PHYs are host nodes",
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
  "mmc-pwrseq": "the power sequence is a host node (its GPIOs and clocks are the host's)",
  extcon: "extcon devices are host nodes",
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

/**
 * Made with platpass's zod only when a device's options are validated (a plan or a launch):
 * `platpass list` loads this plugin and no zod.
 * @param {typeof z} z
 */
const Options = (z) =>
  z.strictObject({
    keep: z
      .array(z.string())
      .default([])
      .describe(
        "Properties to copy even though they look like host references (at your own risk).",
      ),
    drop: z
      .array(z.string())
      .default([])
      .describe("More properties to leave out of the guest node."),
    clockRates: z
      .record(z.string(), z.number().int().min(1).max(0xffffffff))
      .default({})
      .describe(
        "Rates in Hz of the device's clocks the host DT gives no rate for, keyed by clock-names entry (or index): each gets a stand-in fixed-clock.",
      ),
    nodeName: z
      .string()
      .regex(/^[A-Za-z0-9,._+-]+$/)
      .optional()
      .describe("Guest node name without unit address; by default the host node's."),
  });

/** Properties that only describe a GPIO beside them (`snps,reset-active-low` of `snps,reset-gpio`). */
const GPIO_COMPANION = /^(.+)-(active-low|delays-us)$/;

/**
 * Why the property does not reach the guest, or undefined when it is copied.
 * @param {string} name
 * @param {{ keep: string[], drop: string[] }} options
 * @param {ReadonlyMap<string, Uint8Array>} host the host node's properties
 */
function dropReason(name, options, host) {
  if (options.keep.includes(name)) return undefined;
  const companion = GPIO_COMPANION.exec(name)?.[1];
  const gpio = [`${companion}-gpio`, `${companion}-gpios`].find((g) => host.has(g));
  if (companion && gpio && dropReason(gpio, options, host))
    return `it describes the dropped '${gpio}'`;
  if (options.drop.includes(name)) return "the config's options drop it";
  const identity = IDENTITY[/** @type {keyof typeof IDENTITY} */ (name)];
  if (identity) return identity;
  const reference = REFERENCES[/** @type {keyof typeof REFERENCES} */ (name)];
  if (reference) return reference;
  return REFERENCE_SHAPES.find((s) => s.test.test(name))?.reason;
}

/**
 * What the guest driver loses with each dropped property whose binding makes it a requirement,
 * as a guest-driver finding; undefined when the drop costs the driver nothing.
 * @type {Record<string, (ctx: import("platpass/boards").BuildContext, value: Uint8Array) => string | undefined>}
 */
const FINDINGS = {
  resets: () =>
    "no reset controller in the guest: a driver that requires its resets will not probe",
  dmas: () => "no DMA engine in the guest: a driver that requires its DMA channels will not probe",
  "power-domains": () =>
    "no power domain in the guest (the host keeps the device's domain): a driver that requires one will not probe",
  iommus: () =>
    "no IOMMU for platform devices in the guest: a driver that requires its IOMMU will not probe",
  "memory-region": () =>
    "the host's reserved memory is not the guest's: a driver that requires its memory region will not probe",
  mboxes: () =>
    "no mailbox controller in the guest: a driver that requires its mailboxes will not probe",
  "gpio-ranges": () =>
    "the GPIO ranges map onto host pin controllers: a driver that requires them will not probe",
  phys: (ctx, value) => {
    const words = ctx.values.asU32s(value);
    /** @type {import("platpass/boards").HostNode[]} */
    const real = [];
    for (let i = 0; i < words.length; ) {
      const node = ctx.hostTree.nodeByPhandle(/** @type {number} */ (words[i]));
      const cellsValue = node?.properties.get("#phy-cells");
      if (!node || !cellsValue)
        return "its PHY is not in the host tree: a driver that requires it will not probe";
      const compatible = node.properties.get("compatible");
      if (!compatible || !ctx.values.asStrings(compatible).includes("usb-nop-xceiv"))
        real.push(node);
      i += 1 + ctx.values.asU32(cellsValue);
    }
    if (real.length === 0) return undefined;
    const named = real.map((node) => node.path).join(", ");
    return `the PHY ${named} is driven by the host: a driver that requires its PHY will not probe`;
  },
};

/**
 * Provider references the guest keeps when their provider is a device assigned in the same
 * config (ctx.assignedProvider): the cells property of the provider giving each entry's
 * length, and the property naming the entries, which comes along.
 */
const PROVIDED = {
  dmas: { cells: "#dma-cells", names: "dma-names" },
  resets: { cells: "#reset-cells", names: "reset-names" },
  mboxes: { cells: "#mbox-cells", names: "mbox-names" },
  phys: { cells: "#phy-cells", names: "phy-names" },
  pwms: { cells: "#pwm-cells", names: "pwm-names" },
};

/**
 * The guest value of a provider reference whose every provider is a device assigned in the
 * same config: each entry pointing at that device's guest node, its specifier cells kept. Else
 * the hints of the providers that are not (what to add to the config), empty when an entry's
 * provider is not in the host tree.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {keyof typeof PROVIDED} name
 * @param {Uint8Array} value
 * @returns {{ value: import("platpass/boards").GuestValue, providers: string[] } | { hints: string[] }}
 */
function assignedProviders(ctx, name, value) {
  const words = ctx.values.asU32s(value);
  /** @type {(number | import("platpass/boards").PhandleRef)[]} */
  const cells = [];
  const hints = new Set();
  const hosts = new Set();
  for (let i = 0; i < words.length; ) {
    const phandle = /** @type {number} */ (words[i]);
    const count = ctx.hostTree.nodeByPhandle(phandle)?.properties.get(PROVIDED[name].cells);
    if (!count) return { hints: [] };
    const provider = ctx.assignedProvider(phandle);
    const specifier = words.slice(i + 1, i + 1 + ctx.values.asU32(count));
    if ("ref" in provider) {
      cells.push(provider.ref, ...specifier);
      hosts.add(provider.host);
    } else hints.add(provider.hint);
    i += 1 + ctx.values.asU32(count);
  }
  return hints.size > 0 || cells.length === 0
    ? { hints: [...hints] }
    : { value: { cells }, providers: [...hosts] };
}

/** The child node of an OF graph (Documentation/devicetree/bindings/graph.yaml). */
const GRAPH = /^ports?(@|$)/;

/** A property pointing at a host system controller (`syscon`, `rockchip,grf`, `arasan,soc-ctl-syscon`). */
const SYSCON = /^([^,]+,(.*[-,])?)?(syscon|grf)s?$/;

/**
 * The guest-driver finding for a dropped property, or undefined.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {string} name
 * @param {Uint8Array} value
 */
function findingFor(ctx, name, value) {
  if (SYSCON.test(name))
    return "the host's system controller is not the guest's: a driver that requires it will not probe";
  return FINDINGS[/** @type {keyof typeof FINDINGS} */ (name)]?.(ctx, value);
}

/**
 * The guest `phys` (or `usb-phy`) for a host list whose every PHY is a `usb-nop-xceiv` without
 * specifier cells, which needs no driver: the plan's nop stand-in for each; else undefined.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {string} name
 * @param {Uint8Array} value
 * @returns {import("platpass/boards").GuestValue | undefined}
 */
function nopPhys(ctx, name, value) {
  const words = ctx.values.asU32s(value);
  const nop = words.every((phandle) => {
    const node = ctx.hostTree.nodeByPhandle(phandle);
    const compatible = node?.properties.get("compatible");
    const cellsValue = node?.properties.get("#phy-cells");
    return (
      compatible !== undefined &&
      ctx.values.asStrings(compatible).includes("usb-nop-xceiv") &&
      (!cellsValue || ctx.values.asU32(cellsValue) === 0)
    );
  });
  return words.length > 0 && nop ? { cells: words.map(() => ctx.standInNopPhy(name)) } : undefined;
}

/**
 * One `clocks` entry: its provider's phandle and specifier cells.
 * @typedef {{ phandle: number, specifier: number[] }} ClockEntry
 */

/**
 * The entries of a clock list (`clocks`, `assigned-clocks`), or the reason they cannot be read.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {Uint8Array} value
 * @returns {{ entries: ClockEntry[] } | { reason: string }}
 */
function clockEntries(ctx, value) {
  const words = ctx.values.asU32s(value);
  const entries = [];
  for (let i = 0; i < words.length; ) {
    const phandle = /** @type {number} */ (words[i]);
    const cellsValue = ctx.hostTree.nodeByPhandle(phandle)?.properties.get("#clock-cells");
    if (!cellsValue) return { reason: `clock phandle ${phandle} has no provider in the host tree` };
    const count = ctx.values.asU32(cellsValue);
    entries.push({ phandle, specifier: words.slice(i + 1, i + 1 + count) });
    i += 1 + count;
  }
  return { entries };
}

/**
 * The rate the host DT states for a clock, and where: a fixed-clock reached through
 * fixed-factor or gpio-gate clocks (whose rates follow from their parent's), else undefined.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {number} phandle
 * @returns {{ rate: number, from: string } | undefined}
 */
function fixedParentRate(ctx, phandle) {
  const node = ctx.hostTree.nodeByPhandle(phandle);
  const compatible = node?.properties.get("compatible");
  if (!node || !compatible) return undefined;
  const first = ctx.values.asStrings(compatible)[0];
  const frequency = node.properties.get("clock-frequency");
  if (first === "fixed-clock")
    return frequency
      ? { rate: ctx.values.asU32(frequency), from: `the host DT's ${node.path}` }
      : undefined;
  const parents = node.properties.get("clocks");
  if (!parents || (first !== "fixed-factor-clock" && first !== "gpio-gate-clock")) return undefined;
  const parent = fixedParentRate(ctx, /** @type {number} */ (ctx.values.asU32s(parents)[0]));
  if (!parent) return undefined;
  const mult = node.properties.get("clock-mult");
  const div = node.properties.get("clock-div");
  const rate =
    first === "fixed-factor-clock" && mult && div
      ? Math.floor((parent.rate * ctx.values.asU32(mult)) / ctx.values.asU32(div))
      : parent.rate;
  return { rate, from: `${parent.from} through ${node.path}` };
}

/**
 * The rate the host DT states for the device's clock `entry`: its own assigned-clock-rates
 * naming it, else a fixed parent; undefined when the DT does not say.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {ClockEntry} entry
 * @returns {{ rate: number, from: string } | undefined}
 */
function hostDtRate(ctx, entry) {
  const assigned = ctx.host.properties.get("assigned-clocks");
  const rates = ctx.host.properties.get("assigned-clock-rates");
  if (assigned && rates) {
    const listed = clockEntries(ctx, assigned);
    const values = ctx.values.asU32s(rates);
    const same = (/** @type {ClockEntry} */ e) =>
      e.phandle === entry.phandle && e.specifier.join() === entry.specifier.join();
    const at = "entries" in listed ? listed.entries.findIndex(same) : -1;
    const rate = values[at];
    if (rate) return { rate, from: "the host DT's assigned-clock-rates" };
  }
  return fixedParentRate(ctx, entry.phandle);
}

/**
 * The rate the live kernel reports for the device's clock `index` (clk debugfs), where it tells.
 * @param {import("platpass/boards").BuildContext} ctx
 * @param {number} index
 * @returns {{ rate: number, from: string } | undefined}
 */
function liveRate(ctx, index) {
  const clock = ctx.host.power?.clocks[index];
  return clock?.name && clock.rate
    ? { rate: clock.rate, from: `the live host's clk debugfs (${clock.name})` }
    : undefined;
}

/**
 * The guest `clocks` value: copies of fixed host clocks, stand-ins for the others at the rate
 * the live host, the host DT or the config gives; or undefined after warning that `clocks` and
 * `clock-names` are dropped and recording the finding.
 * @param {import("platpass/boards").BuildContext<z.output<ReturnType<typeof Options>>>} ctx
 * @param {Uint8Array} clocks
 * @returns {import("platpass/boards").GuestValue | undefined}
 */
function guestClocks(ctx, clocks) {
  const listed = clockEntries(ctx, clocks);
  const namesValue = ctx.host.properties.get("clock-names");
  const names = namesValue ? ctx.values.asStrings(namesValue) : [];
  /** @type {{ entry: ClockEntry, key: string, rate?: { rate: number, from: string } }[]} */
  const wanted = [];
  if ("entries" in listed) {
    for (const [i, entry] of listed.entries.entries()) {
      const key = names[i] ?? String(i);
      const configured = ctx.options.clockRates[key];
      const rate = ctx.isFixedClock(entry.phandle)
        ? undefined
        : (liveRate(ctx, i) ??
          hostDtRate(ctx, entry) ??
          (configured === undefined
            ? undefined
            : { rate: configured, from: "the config's clockRates" }));
      wanted.push(rate ? { entry, key, rate } : { entry, key });
    }
  }
  const unknown = wanted.filter((w) => !w.rate && !ctx.isFixedClock(w.entry.phandle));
  if ("entries" in listed && unknown.length === 0) {
    const refs = wanted.map(({ entry, key, rate }) =>
      rate
        ? ctx.standInClock(rate.rate, `${ctx.host.name}-${key}`, rate.from)
        : ctx.fixedClock(entry.phandle),
    );
    return { cells: refs };
  }
  const providers = [
    ...new Set(unknown.map((w) => ctx.hostTree.nodeByPhandle(w.entry.phandle)?.path)),
  ];
  const reason =
    "reason" in listed
      ? listed.reason
      : `host clock ${providers.join(", ")} is not a fixed-clock and the host DT states no rate for ${unknown.map((w) => `'${w.key}'`).join(", ")}`;
  ctx.warn(`dropped 'clocks': ${reason}`, "clocks");
  if (namesValue) ctx.warn("dropped 'clock-names': it names the dropped clocks", "clock-names");
  ctx.finding(
    "clocks",
    `the guest driver will not probe without its clocks (${reason}); give each rate in Hz in the device's options.clockRates, keyed by its clock-names entry`,
  );
  return undefined;
}

/** @type {import("platpass/boards").BoardPlugin<z.output<ReturnType<typeof Options>>>} */
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
    /** Whether the config's options leave the property to dropReason (keep or drop it as told). */
    const told = (/** @type {string} */ name) =>
      ctx.options.keep.includes(name) || ctx.options.drop.includes(name);
    const hostPhys = ctx.host.properties.get("phys");
    const phys = hostPhys && !told("phys") ? nopPhys(ctx, "phys", hostPhys) : undefined;
    /** Per provider reference: its guest value, or the hints for its finding. */
    const provided = new Map(
      Object.keys(PROVIDED).flatMap((name) => {
        const value = ctx.host.properties.get(name);
        const key = /** @type {keyof typeof PROVIDED} */ (name);
        return value && !told(name) && !(name === "phys" && phys)
          ? [[name, assignedProviders(ctx, key, value)]]
          : [];
      }),
    );
    /** The names property of each provider reference the guest keeps (`dma-names`). */
    const keptNames = new Set(
      [...provided].flatMap(([name, p]) =>
        "value" in p ? [PROVIDED[/** @type {keyof typeof PROVIDED} */ (name)].names] : [],
      ),
    );
    /** @type {Record<string, import("platpass/boards").GuestValue>} */
    const properties = {};
    for (const [name, value] of ctx.host.properties) {
      if (name === "reg" || name === "interrupts") continue;
      const kept = provided.get(name);
      if (kept && "value" in kept) {
        properties[name] = kept.value;
        const of = kept.providers.join(", ");
        ctx.warn(`'${name}' refers to the guest node of the assigned ${of}, its cells kept`, name);
        continue;
      }
      if (keptNames.has(name) && !told(name)) {
        properties[name] = value.slice();
        continue;
      }
      if (name === "clock-names" && dropsClockNames) continue;
      if (name === "clocks" && !keepClocks) {
        if (clocks) properties.clocks = clocks;
        continue;
      }
      if (name === "phys" && phys) {
        properties.phys = phys;
        continue;
      }
      if (name === "phy-names" && phys && !told(name)) {
        properties[name] = value.slice();
        continue;
      }
      const nop = name === "usb-phy" && !told(name) ? nopPhys(ctx, name, value) : undefined;
      if (nop) {
        properties[name] = nop;
        continue;
      }
      const regulator = /-supply$/.test(name) && !told(name) && ctx.standInRegulator(name);
      if (regulator && "ref" in regulator) {
        properties[name] = { cells: [regulator.ref] };
        continue;
      }
      if (regulator) {
        ctx.warn(`dropped '${name}': ${regulator.reason}`, name);
        ctx.finding(
          name,
          `the guest gets no regulator for it (${regulator.reason}): a driver that requires the supply will not probe`,
        );
        continue;
      }
      const reason = dropReason(name, ctx.options, ctx.host.properties);
      if (!reason) {
        properties[name] = value.slice();
        continue;
      }
      ctx.warn(`dropped '${name}': ${reason}`, name);
      const finding = ctx.options.drop.includes(name) ? undefined : findingFor(ctx, name, value);
      const hints = (kept && "hints" in kept && kept.hints) || [];
      if (finding) ctx.finding(name, [finding, ...hints].join("; "));
    }
    for (const child of hostNode?.children ?? []) {
      ctx.warn(`dropped child node '${child.name}': child nodes are not copied`);
      // A graph's endpoints link host devices (a display pipeline, a camera's sensor).
      if (GRAPH.test(child.name))
        ctx.finding(
          child.name.split("@")[0] ?? child.name,
          "its graph links host devices: a driver that requires its ports will not probe",
        );
    }
    const hostName = hostNode?.name ?? ctx.host.name.slice(ctx.host.name.indexOf(".") + 1);
    return { name: ctx.options.nodeName ?? hostName.split("@")[0] ?? hostName, properties };
  },
};
