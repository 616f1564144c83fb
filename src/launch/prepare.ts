/**
 * The I/O around the pure planner for a launch on this host: the config, the live host,
 * QEMU's base DTB for the config's machine (cached), the board plugins; then the plan and
 * its guest DTB written where the plan's `-dtb` says.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { loadRegistry } from "../boards/loader.js";
import { readConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { liveHost } from "../host/discover.js";
import type { HostModel } from "../host/model.js";
import { baseDtb } from "../machvirt/base-dtb.js";
import { machineOptions } from "../machvirt/machine.js";
import { buildPlan } from "../plan/build.js";
import type { Plan } from "../plan/types.js";
import { findQemu } from "../qemu/binary.js";

export interface PreparedLaunch {
  config: Config;
  host: HostModel;
  plan: Plan;
}

export async function prepareLaunch(configFile: string, workDir: string): Promise<PreparedLaunch> {
  const config = await readConfig(configFile);
  const binary = await findQemu({ explicit: config.qemu.binary });
  const host = await liveHost();
  const m = config.machine;
  const base = await baseDtb({
    binary,
    machine: machineOptions({
      gicVersion: m.gicVersion,
      virtualization: m.virtualization,
      iommu: m.iommu,
      accel: m.accel,
      cpu: m.cpu,
      smp: m.smp,
      memoryMiB: m.memory,
    }),
  });
  const registry = await loadRegistry(config.plugins, dirname(configFile));
  const { plan } = buildPlan({
    config,
    hostDevices: host.devices,
    hostTree: undefined,
    baseDtb: base.bytes,
    registry,
    dtbFile: join(workDir, "guest.dtb"),
    qemuBinary: binary.path,
  });
  await writeFile(plan.guest.dtbFile, Buffer.from(plan.guest.dtb, "base64"));
  return { config, host, plan };
}
