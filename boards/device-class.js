// @ts-check
/**
 * What the per-class plugins (dwmac, sdhci, dw-mmc, dwc3, etheravb, cadence-gem, fec) share.
 * Each is its compatibles and one small function per binding, as QEMU's sysbus-fdt.c is; the
 * node they start from is the generic plugin's for the device (host node copied, host
 * references dropped, clocks and supplies stood in) with its options. A class plugin knows
 * its driver, so a drop its driver probes without (an optional reset, a power domain the host
 * keeps) is a warning saying so instead of a guest-driver finding, and the host properties
 * it writes itself (`phy-handle`) never reach the generic copy. Not a plugin: the loader
 * loads only the names in BUILTIN_PLUGINS.
 */
import generic from "./generic.js";

/** Drops no driver of these classes asks for. */
const CLASS_OPTIONAL = {
  iommus: "none of these drivers asks for its IOMMU: VFIO maps the guest's DMA",
};

/** Above the generic plugin's 1, below the built-ins that write QEMU's own nodes (100). */
const CLASS_SCORE = 50;

/** @typedef {Parameters<typeof generic.build>[0]} ClassContext */
/** @typedef {import("platpass/boards").DeviceNode} DeviceNode */

/**
 * @typedef {object} ClassSpec
 * @property {string} name
 * @property {string} summary
 * @property {readonly string[]} compatibles host compatibles the class takes
 * @property {boolean} [ownMdioPhy] a MAC whose PHY on its own MDIO bus the guest keeps
 *   (ctx.ownMdioPhy): that bus as children, `phy-handle` pointing at the copy
 * @property {(ctx: ClassContext) => readonly string[]} [handles] host properties `build`
 *   writes or leaves out itself: the generic copy never sees them
 * @property {(ctx: ClassContext) => Readonly<Record<string, Uint8Array>>} [hostView]
 *   host properties the generic copy sees changed (e.g. only the clocks the driver takes)
 * @property {(ctx: ClassContext) => Readonly<Record<string, string>>} [optional]
 *   dropped properties the driver probes without, each with why
 * @property {(ctx: ClassContext, node: DeviceNode) => DeviceNode} [build]
 *   the class's changes to the generic plugin's node
 */

/**
 * A board plugin for one device class.
 * @param {ClassSpec} spec
 * @returns {import("platpass/boards").BoardPlugin<ClassContext["options"]>}
 */
export function classPlugin(spec) {
  return {
    name: spec.name,
    summary: spec.summary,
    qemuDevice: "vfio-platform",
    match: {
      compatible: spec.compatibles.map((compatible) => ({ compatible, score: CLASS_SCORE })),
      ...(generic.match.declines ? { declines: generic.match.declines } : {}),
    },
    ...(generic.options ? { options: generic.options } : {}),
    build(ctx) {
      const mdio = spec.ownMdioPhy ? ownMdio(ctx) : undefined;
      const handled = new Set([
        ...(spec.handles?.(ctx) ?? []),
        ...(spec.ownMdioPhy ? ["phy-handle"] : []),
      ]);
      /** @type {Readonly<Record<string, string>>} */
      const optional = { ...CLASS_OPTIONAL, ...spec.optional?.(ctx) };
      const view = spec.hostView?.(ctx) ?? {};
      const properties = new Map(
        [...ctx.host.properties]
          .filter(([name]) => !handled.has(name))
          .map(([name, value]) => [name, view[name] ?? value]),
      );
      const copied = new Set(mdio?.children.map((c) => c.name));
      const node = generic.build({
        ...ctx,
        host: { ...ctx.host, properties },
        // The children the class copies are no drops of the generic copy.
        hostTree: {
          ...ctx.hostTree,
          nodeOf(host) {
            const found = ctx.hostTree.nodeOf(host);
            if (!found) return found;
            return { ...found, children: found.children.filter((c) => !copied.has(c.name)) };
          },
        },
        finding(property, message) {
          const why = optional[property];
          if (why === undefined) ctx.finding(property, message);
          else ctx.warn(`'${property}' is no guest-driver finding: ${why}`, property);
        },
      });
      const built = spec.build ? spec.build(ctx, node) : node;
      if (!mdio) return built;
      return {
        ...built,
        properties: { ...built.properties, "phy-handle": { cells: [mdio.phyHandle] } },
        children: [...(built.children ?? []), ...mdio.children],
      };
    },
  };
}

/**
 * The device's own MDIO PHY (ctx.ownMdioPhy), or undefined after a warning and a finding
 * when its PHY sits elsewhere.
 * @param {ClassContext} ctx
 */
function ownMdio(ctx) {
  const own = ctx.ownMdioPhy();
  if (!own || !("reason" in own)) return own;
  ctx.warn(`dropped 'phy-handle': ${own.reason}`, "phy-handle");
  ctx.finding("phy-handle", `the guest driver will not find its PHY: ${own.reason}`);
  return undefined;
}

/**
 * The node with `compatible` replaced by `fallback`, and a warning saying why.
 * @param {ClassContext} ctx
 * @param {DeviceNode} node
 * @param {string[]} fallback
 * @param {string} why
 * @returns {DeviceNode}
 */
export function withCompatible(ctx, node, fallback, why) {
  ctx.warn(`compatible: the guest node is '${fallback.join("', '")}': ${why}`, "compatible");
  return { ...node, properties: { ...node.properties, compatible: ctx.values.str(...fallback) } };
}

/**
 * The host's `clocks` and `clock-names` cut down to the entries named `names` (the clocks a
 * driver takes), for a hostView; empty when the host names none of them or not all entries
 * can be read.
 * @param {ClassContext} ctx
 * @param {readonly string[]} names
 * @returns {Record<string, Uint8Array>}
 */
export function onlyClocks(ctx, names) {
  const clocks = ctx.host.properties.get("clocks");
  const namesValue = ctx.host.properties.get("clock-names");
  if (!clocks || !namesValue) return {};
  const words = ctx.values.asU32s(clocks);
  const hostNames = ctx.values.asStrings(namesValue);
  /** @type {number[][]} */
  const entries = [];
  for (let i = 0; i < words.length; ) {
    const provider = ctx.hostTree.nodeByPhandle(/** @type {number} */ (words[i]));
    const count = provider?.properties.get("#clock-cells");
    if (!count) return {};
    entries.push(words.slice(i, i + 1 + ctx.values.asU32(count)));
    i += 1 + ctx.values.asU32(count);
  }
  const kept = hostNames.flatMap((name, i) => (names.includes(name) && entries[i] ? [i] : []));
  if (kept.length === 0) return {};
  return {
    clocks: ctx.values.cells(...kept.flatMap((i) => entries[i] ?? [])),
    "clock-names": ctx.values.str(...kept.map((i) => hostNames[i] ?? "")),
  };
}
