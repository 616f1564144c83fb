/**
 * One device's clocks, power domains and runtime PM as the kernel reports them: its DT
 * `clocks` entries matched to the kernel's clocks (by the consumer columns where the kernel
 * lists the device, else by the name Linux gives the provider's output), the genpd domains
 * that list it, and its power/runtime_status. Pure: the debugfs texts come in parsed.
 */
import { nodeByPhandle } from "../../fdt/lookup.js";
import type { Fdt, FdtNode } from "../../fdt/tree.js";
import { asStrings, asU32, asU32s } from "../../fdt/values.js";
import type { ClkSummary, KernelClock } from "./clk-summary.js";
import type { PowerDomain } from "./genpd-summary.js";

/** What the kernel tells of every clock and domain, read once per host; or why it does not. */
export interface KernelPower {
  clocks: ClkSummary | { untold: string };
  domains: PowerDomain[] | { untold: string };
}

/** One entry of the device's `clocks`. */
export interface ClockRef {
  index: number;
  /** Its clock-names entry. */
  connection: string | undefined;
  /** The provider node's path; undefined when the phandle names no node. */
  provider: string | undefined;
  /** The names Linux may have given it: the provider's clock-output-names entry, its node name. */
  names: string[];
}

export interface DeviceClock {
  index: number;
  connection: string | undefined;
  provider: string | undefined;
  /** The kernel's clock; undefined when the kernel does not tell or none could be matched. */
  name: string | undefined;
  rate?: number;
  enableCount?: number;
  prepareCount?: number;
  /** The hardware enable column; undefined where the kernel cannot say. */
  hardwareEnabled?: boolean;
  /** The devices the kernel lists as the clock's consumers (consumer columns only). */
  consumers?: string[];
}

export interface DeviceDomain {
  name: string;
  on: boolean;
  state: string;
  /** The device's runtime PM status as the domain lists it. */
  runtimeStatus: string;
}

export interface DevicePower {
  /** One per entry of the node's `clocks`, in order. */
  clocks: DeviceClock[];
  /** Why the kernel does not tell the clocks' state (debugfs not mounted, …), when it does not. */
  clocksUntold: string | undefined;
  /** The genpd domains that list the device. */
  domains: DeviceDomain[];
  domainsUntold: string | undefined;
  /** The node names power domains (`power-domains`). */
  wantsDomains: boolean;
  /** power/runtime_status; undefined when sysfs has none (a kernel without CONFIG_PM). */
  runtimeStatus: string | undefined;
}

/** Linux names a provider's output by clock-output-names, else (clk-gpio, clk-fixed-rate…) by node. */
function kernelNames(provider: FdtNode, specifier: number[]): string[] {
  const outputs = provider.property("clock-output-names");
  const index = specifier.length === 0 ? 0 : specifier.length === 1 ? specifier[0]! : -1;
  const output = outputs ? asStrings(outputs)[index] : undefined;
  const names = output === undefined ? [] : [output];
  if (specifier.length === 0 && !names.includes(provider.baseName)) names.push(provider.baseName);
  return names;
}

export function clockRefs(properties: ReadonlyMap<string, Uint8Array>, fdt: Fdt): ClockRef[] {
  const value = properties.get("clocks");
  if (!value) return [];
  const namesValue = properties.get("clock-names");
  const connections = namesValue ? asStrings(namesValue) : [];
  const words = asU32s(value);
  const refs: ClockRef[] = [];
  for (let i = 0; i < words.length; ) {
    const provider = nodeByPhandle(fdt, words[i]!);
    const cellsValue = provider?.property("#clock-cells");
    const count = cellsValue ? asU32(cellsValue) : 0;
    refs.push({
      index: refs.length,
      connection: connections[refs.length],
      provider: provider?.path,
      names: provider ? kernelNames(provider, words.slice(i + 1, i + 1 + count)) : [],
    });
    // Without #clock-cells the rest of the list cannot be split into entries.
    if (!cellsValue) break;
    i += 1 + count;
  }
  return refs;
}

function consumedBy(summary: ClkSummary, device: string, ref: ClockRef): KernelClock | undefined {
  if (ref.connection === undefined) return undefined;
  return summary.clocks.find((c) =>
    c.consumers?.some((u) => u.device === device && u.connection === ref.connection),
  );
}

function deviceClock(ref: ClockRef, clock: KernelClock | undefined): DeviceClock {
  const base = { index: ref.index, connection: ref.connection, provider: ref.provider };
  if (!clock) return { ...base, name: undefined };
  return {
    ...base,
    name: clock.name,
    rate: clock.rate,
    enableCount: clock.enableCount,
    prepareCount: clock.prepareCount,
    ...(clock.hardwareEnabled === undefined ? {} : { hardwareEnabled: clock.hardwareEnabled }),
    ...(clock.consumers
      ? { consumers: clock.consumers.flatMap((c) => (c.device ? [c.device] : [])) }
      : {}),
  };
}

export interface PoweredDevice {
  name: string;
  properties: ReadonlyMap<string, Uint8Array>;
}

export function devicePower(
  kernel: KernelPower,
  fdt: Fdt,
  device: PoweredDevice,
  runtimeStatus: string | undefined,
): DevicePower {
  const refs = clockRefs(device.properties, fdt);
  const summary = "untold" in kernel.clocks ? undefined : kernel.clocks;
  const byName = new Map(summary?.clocks.map((c) => [c.name, c]));
  const clocks = refs.map((ref) =>
    deviceClock(
      ref,
      summary &&
        (consumedBy(summary, device.name, ref) ??
          ref.names.map((n) => byName.get(n)).find((c) => c !== undefined)),
    ),
  );
  const domains =
    "untold" in kernel.domains
      ? []
      : kernel.domains.flatMap((d) =>
          d.devices
            .filter((x) => x.name === device.name)
            .map((x) => ({
              name: d.name,
              on: d.on,
              state: d.state,
              runtimeStatus: x.runtimeStatus,
            })),
        );
  return {
    clocks,
    clocksUntold: "untold" in kernel.clocks ? kernel.clocks.untold : undefined,
    domains,
    domainsUntold: "untold" in kernel.domains ? kernel.domains.untold : undefined,
    wantsDomains: device.properties.has("power-domains"),
    runtimeStatus,
  };
}
