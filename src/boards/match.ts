/** Which plugin would take each host device, for `platpass list`; never throws for a device. */
import type { HostDevice } from "../host/device.js";
import { isAmba } from "../host/dt/amba.js";
import type { HostTree } from "./api.js";
import { bestPlugin, shortDeclineReason, unmetPreconditions } from "./dispatch.js";
import type { BoardRegistry } from "./registry.js";

export interface PluginMatchReport {
  device: string;
  /** The plugin a plan would use, or null when none would. */
  plugin: string | null;
  score: number | null;
  qemuDevice: string | null;
  /** Why no plugin takes it, or what the chosen plugin still misses; empty when it is ready. */
  problems: string[];
}

export function matchReport(
  registry: BoardRegistry,
  host: HostDevice,
  hostTree: HostTree,
): PluginMatchReport {
  const none = (reason: string): PluginMatchReport => ({
    device: host.name,
    plugin: null,
    score: null,
    qemuDevice: null,
    problems: [reason],
  });
  if (isAmba(host)) return none("AMBA (PrimeCell) device: QEMU has no device to assign it with");
  const best = bestPlugin(registry, host);
  if (!best) return none(shortDeclineReason(registry, host));
  return {
    device: host.name,
    plugin: best.plugin.name,
    score: best.score ?? null,
    qemuDevice: best.plugin.qemuDevice,
    problems: unmetPreconditions(best.plugin, host, hostTree),
  };
}
