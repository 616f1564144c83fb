/** Which plugin would take each host device, for `platpass list`; never throws for a device. */
import { isPlatpassError } from "../errors.js";
import type { HostDevice } from "../host/device.js";
import { isAmba } from "../host/dt/amba.js";
import type { HostTree } from "./api.js";
import { selectPlugin, shortDeclineReason, unmetPreconditions } from "./dispatch.js";
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
  try {
    const { plugin, score } = selectPlugin(registry, host);
    return {
      device: host.name,
      plugin: plugin.name,
      score: score ?? null,
      qemuDevice: plugin.qemuDevice,
      problems: unmetPreconditions(plugin, host, hostTree),
    };
  } catch (e) {
    if (!isPlatpassError(e)) throw e;
    const reason = isAmba(host)
      ? "AMBA (PrimeCell) device: QEMU has no device to assign it with"
      : shortDeclineReason(registry, host);
    return { device: host.name, plugin: null, score: null, qemuDevice: null, problems: [reason] };
  }
}
