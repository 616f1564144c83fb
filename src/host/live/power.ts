/**
 * The live kernel's side of "does the host keep the device alive": clk debugfs, genpd
 * debugfs and each device's power/runtime_status, read through Sysfs (debugfs sits under
 * /sys, so a captured tree serves tests). ../power/ parses and judges what is read here.
 */
import type { Fdt } from "../../fdt/tree.js";
import type { HostBus, HostDevice } from "../device.js";
import { type ClkSummary, type KernelClock, parseClkSummary } from "../power/clk-summary.js";
import { devicePower, type KernelPower } from "../power/device.js";
import { parseGenpdSummary } from "../power/genpd-summary.js";
import { deviceDir } from "./device-sysfs.js";
import type { Sysfs } from "./sysfs.js";

const DEBUGFS = "/sys/kernel/debug";
const CLK = `${DEBUGFS}/clk`;
const GENPD_SUMMARY = `${DEBUGFS}/pm_genpd/pm_genpd_summary`;

type Read = { text: string } | { untold: string };

async function readDebugfs(sysfs: Sysfs, path: string, absent: string): Promise<Read> {
  try {
    const text = await sysfs.read(path);
    if (text !== undefined) return { text };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return {
      untold: `${path} cannot be read (${code}): debugfs is root's (and closed under kernel lockdown)`,
    };
  }
  if ((await sysfs.list(DEBUGFS)).length === 0) {
    return { untold: `debugfs is not mounted (mount -t debugfs debugfs ${DEBUGFS})` };
  }
  return { untold: absent };
}

/** Without clk_summary (or in a form not known), the per-clock directories still give counts and rates. */
async function clockDirs(sysfs: Sysfs): Promise<ClkSummary | undefined> {
  const clocks: KernelClock[] = [];
  for (const name of await sysfs.list(CLK)) {
    const rate = await sysfs.read(`${CLK}/${name}/clk_rate`);
    if (rate === undefined) continue;
    clocks.push({
      name,
      parent: (await sysfs.read(`${CLK}/${name}/clk_parent`)) || undefined,
      enableCount: Number(await sysfs.read(`${CLK}/${name}/clk_enable_count`)),
      prepareCount: Number(await sysfs.read(`${CLK}/${name}/clk_prepare_count`)),
      rate: Number(rate),
      hardwareEnabled: undefined,
      consumers: undefined,
    });
  }
  return clocks.length > 0 ? { clocks, consumerColumns: false } : undefined;
}

async function readClocks(sysfs: Sysfs): Promise<KernelPower["clocks"]> {
  const read = await readDebugfs(
    sysfs,
    `${CLK}/clk_summary`,
    `${CLK} is absent: a kernel without the common clock framework (CONFIG_COMMON_CLK) or its debugfs`,
  );
  const summary = "text" in read ? parseClkSummary(read.text) : undefined;
  if (summary) return summary;
  return (
    (await clockDirs(sysfs)) ??
    ("untold" in read ? read : { untold: `${CLK}/clk_summary is in a form platpass does not know` })
  );
}

async function readDomains(sysfs: Sysfs): Promise<KernelPower["domains"]> {
  const read = await readDebugfs(
    sysfs,
    GENPD_SUMMARY,
    `${GENPD_SUMMARY} is absent: a kernel without generic power domains (CONFIG_PM_GENERIC_DOMAINS)`,
  );
  if ("untold" in read) return read;
  return (
    parseGenpdSummary(read.text) ?? {
      untold: `${GENPD_SUMMARY} is in a form platpass does not know`,
    }
  );
}

/** Every clock and power domain the kernel tells of, read once. */
export async function readKernelPower(sysfs: Sysfs): Promise<KernelPower> {
  return { clocks: await readClocks(sysfs), domains: await readDomains(sysfs) };
}

export async function readRuntimeStatus(
  sysfs: Sysfs,
  bus: HostBus,
  name: string,
): Promise<string | undefined> {
  return sysfs.read(`${deviceDir(bus, name)}/power/runtime_status`);
}

const powered = (d: Pick<HostDevice, "properties">) =>
  d.properties.has("clocks") || d.properties.has("power-domains");

/** The devices, each with clocks or power domains given what the kernel tells of them. */
export async function withPower(
  sysfs: Sysfs,
  dt: Fdt,
  devices: HostDevice[],
): Promise<HostDevice[]> {
  if (!devices.some(powered)) return devices;
  const kernel = await readKernelPower(sysfs);
  const out: HostDevice[] = [];
  for (const d of devices) {
    if (!powered(d)) out.push(d);
    else {
      const status = await readRuntimeStatus(sysfs, d.bus, d.name);
      out.push({ ...d, power: devicePower(kernel, dt, d, status) });
    }
  }
  return out;
}
