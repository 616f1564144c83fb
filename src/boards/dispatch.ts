/**
 * The one dispatcher every plugin goes through: refuse what QEMU cannot assign, pick the
 * best-scoring plugin, check its preconditions (all of them, reported together), parse its
 * options, and make the device's guest node as data: the plugin's `copy` list, then what its
 * `build` adds. Nothing here writes the guest tree.
 */
import { InputError } from "../errors.js";
import type { HostDevice } from "../host/device.js";
import { AMBA_REFUSAL, isAmba } from "../host/dt/amba.js";
import type {
  BoardPlugin,
  BuildContext,
  CountRule,
  GuestChild,
  GuestValue,
  HostTree,
  OptionsSchema,
  PlannedIrq,
} from "./api.js";
import { checkContext } from "./context.js";
import { copyProperties } from "./copy.js";
import type { BoardRegistry } from "./registry.js";

export function refuseAmba(host: HostDevice): void {
  if (!isAmba(host)) return;
  throw new InputError(
    "BOARD_AMBA_DEVICE",
    `${host.name} is an AMBA (PrimeCell) device; ${AMBA_REFUSAL}`,
    {
      where: host.name,
      hint: "Linux can bind it to vfio-amba, but no QEMU release can hand it to a guest: assign a platform device instead, or emulate this one (e.g. the guest's own PL011).",
    },
  );
}

/** The plugin's score for the device, or undefined when it does not match. */
export function matchScore(plugin: BoardPlugin, host: HostDevice): number | undefined {
  let best: number | undefined;
  for (const m of plugin.match.compatible ?? []) {
    if (host.compatible.includes(m.compatible) && (best === undefined || m.score > best))
      best = m.score;
  }
  return best ?? plugin.match.anyDevice;
}

/** Why each plugin does not take the device (for the "no plugin accepts" error). */
function declineReason(plugin: BoardPlugin, host: HostDevice): string {
  if (matchScore(plugin, host) === undefined) {
    const list = (plugin.match.compatible ?? []).map((m) => m.compatible).join(", ");
    return `${plugin.name}: handles only ${list}`;
  }
  return `${plugin.name}: ${plugin.match.declines?.(host)}`;
}

/** Why no plugin takes the device, in one line (for `platpass list`). */
export function shortDeclineReason(registry: BoardRegistry, host: HostDevice): string {
  const declined = registry.plugins
    .filter((r) => matchScore(r.plugin, host) !== undefined)
    .map((r) => `${r.plugin.name}: ${r.plugin.match.declines?.(host)}`);
  return declined.length > 0 ? declined.join("; ") : "no plugin handles its compatible";
}

export interface Selection {
  plugin: BoardPlugin;
  /** The score it matched with; undefined when the config named the plugin. */
  score: number | undefined;
}

/**
 * The highest-scoring plugin that matches and does not decline, ties to the plugin added
 * first; undefined when none does. `list` asks this of every device, so it builds no error.
 */
export function bestPlugin(registry: BoardRegistry, host: HostDevice): Selection | undefined {
  let best: Selection | undefined;
  for (const { plugin } of registry.plugins) {
    const score = matchScore(plugin, host);
    if (score === undefined || plugin.match.declines?.(host) !== undefined) continue;
    if (!best || score > (best.score ?? Number.NEGATIVE_INFINITY)) best = { plugin, score };
  }
  return best;
}

/**
 * The plugin a plan uses: bestPlugin's, with an error naming each plugin's reason when there
 * is none; an AMBA device is refused first. A plugin named in the config is used without
 * matching (as QEMU's bindings by device type are); its `declines` and preconditions still
 * apply.
 */
export function selectPlugin(
  registry: BoardRegistry,
  host: HostDevice,
  named?: BoardPlugin,
): Selection {
  refuseAmba(host);
  if (named) {
    const reason = named.match.declines?.(host);
    if (reason !== undefined) {
      throw new InputError(
        "BOARD_PLUGIN_DECLINES",
        `plugin '${named.name}' refuses ${host.name}: ${reason}`,
        {
          where: host.name,
          hint: 'Remove "plugin" from this device to let platpass pick one, or assign another device.',
        },
      );
    }
    return { plugin: named, score: undefined };
  }
  const best = bestPlugin(registry, host);
  if (best) return best;
  const reasons = registry.plugins.map((r) => `  ${declineReason(r.plugin, host)}`).join("\n");
  throw new InputError(
    "BOARD_NO_PLUGIN",
    `no board plugin accepts ${host.name} (compatible: ${host.compatible.join(", ") || "none"}):\n${reasons}\n`,
    {
      where: host.name,
      hint: "Write a plugin for it (see the README's plugin guide) and list it in the config's \"plugins\".",
    },
  );
}

function countProblem(what: string, have: number, rule: CountRule | undefined): string | undefined {
  if (!rule) return undefined;
  const why = rule.because ? ` (${rule.because})` : "";
  if (rule.exactly !== undefined && have !== rule.exactly) {
    return `needs exactly ${rule.exactly} ${what}, the device has ${have}${why}`;
  }
  if (rule.min !== undefined && have < rule.min)
    return `needs at least ${rule.min} ${what}, the device has ${have}${why}`;
  if (rule.max !== undefined && have > rule.max)
    return `needs at most ${rule.max} ${what}, the device has ${have}${why}`;
  return undefined;
}

/** Every unmet precondition of the plugin for this device; empty when all hold. */
export function unmetPreconditions(
  plugin: BoardPlugin,
  host: HostDevice,
  hostTree: HostTree,
): string[] {
  const pre = plugin.preconditions ?? {};
  const unmet: string[] = [];
  const regions = countProblem("MMIO regions", host.regions.length, pre.regions);
  if (regions) unmet.push(regions);
  const irqs = countProblem("IRQs", host.irqs.length, pre.irqs);
  if (irqs) unmet.push(irqs);
  const required = [
    ...(pre.hostProperties ?? []),
    ...(plugin.copy ?? []).filter((c) => !c.optional).map((c) => c.name),
  ];
  for (const name of new Set(required)) {
    if (!host.properties.has(name))
      unmet.push(`needs the host property '${name}', which the device's node lacks`);
  }
  unmet.push(...(pre.check?.(checkContext(host, hostTree)) ?? []));
  return unmet;
}

export function checkPreconditions(
  plugin: BoardPlugin,
  host: HostDevice,
  hostTree: HostTree,
): void {
  const unmet = unmetPreconditions(plugin, host, hostTree);
  if (unmet.length === 0) return;
  throw new InputError(
    "BOARD_PRECONDITION",
    `plugin '${plugin.name}' cannot take ${host.name}:\n${unmet.map((u) => `  ${u}`).join("\n")}\n`,
    {
      where: host.name,
      hint: 'Check that the host node describes the device as the plugin expects (reg, interrupts, clocks), or choose another plugin with "plugin" in the config.',
    },
  );
}

/** The device's options checked against the plugin's schema, every problem listed. */
export function parseOptions(plugin: BoardPlugin, raw: unknown, where: string): unknown {
  // The registry has already turned an `options(z)` function into its schema.
  const schema = plugin.options as OptionsSchema<unknown> | undefined;
  if (!schema) {
    if (raw !== undefined && Object.keys(raw as object).length > 0) {
      throw new InputError("BOARD_OPTIONS", `plugin '${plugin.name}' takes no options`, {
        where,
        hint: 'Remove "options" from this device.',
      });
    }
    return {};
  }
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (i) => `  ${[where, ...i.path.map(String)].join(".")}: ${i.message}`,
  );
  throw new InputError(
    "BOARD_OPTIONS",
    `options for plugin '${plugin.name}' are invalid:\n${lines.join("\n")}\n`,
    {
      where,
      hint: `See the '${plugin.name}' plugin's options in the README.`,
    },
  );
}

/** A device's guest node as the plan places it, with its IRQs as the node describes them. */
export interface BuiltNode {
  name: string;
  properties: Record<string, GuestValue>;
  children?: GuestChild[];
  /** The context's IRQs, each with the trigger the node gives it. */
  irqs: PlannedIrq[];
}

/**
 * The guest node for one device: the plugin's `copy` list from the host node, then the
 * properties `build` returns; one named like a copied property replaces the host's value in
 * its place. Each IRQ takes the node's trigger (one for all, or one per VFIO index), else
 * its own.
 */
export function buildNode(plugin: BoardPlugin, ctx: BuildContext): BuiltNode {
  const copied = copyProperties(ctx.host.properties, plugin.copy ?? [], ctx.host.dtPath);
  const node = plugin.build(ctx);
  const { trigger } = node;
  return {
    name: node.name,
    properties: { ...copied, ...node.properties },
    ...(node.children ? { children: node.children } : {}),
    irqs: ctx.irqs.map((irq) => ({
      ...irq,
      trigger: (typeof trigger === "string" ? trigger : trigger?.[irq.index]) ?? irq.trigger,
    })),
  };
}
