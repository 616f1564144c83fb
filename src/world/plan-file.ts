/**
 * The I/O edge of planning: reads the config, the plugins, the host (live sysfs, or a board
 * DTB with --host-dtb), dumps QEMU's base DTB (cached), runs the pure planner, then applies
 * the user's DTS overlays with dtc/fdtoverlay and gives /chosen fresh seeds.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadRegistry } from "../boards/loader.js";
import { readConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { InputError } from "../errors.js";
import { applyOverlays, compileDts } from "../fdt/dtc.js";
import { readDtb, readDtbFile, readInputText } from "../fdt/index.js";
import type { Fdt } from "../fdt/tree.js";
import { writeDtb } from "../fdt/write.js";
import type { HostDevice } from "../host/device.js";
import { devicesFromDtb } from "../host/dt/offline.js";
import type { LiveHost } from "../host/live/discover.js";
import { dumpMachine, hostKvm, type KvmFacts } from "../machvirt/accel.js";
import { baseDtb } from "../machvirt/base-dtb.js";
import { reseedChosen } from "../machvirt/guest-dt.js";
import { buildPlan, withGuestDtb } from "../plan/build.js";
import { machineOf } from "../plan/qemu-args.js";
import type { Plan } from "../plan/types.js";
import {
  type HostVfioSupport,
  needsQemuProbe,
  type QemuVfioSupport,
} from "../plan/vfio-backend.js";
import { findQemu, formatVersion, type QemuBinary } from "../qemu/binary.js";

/** The host as the planner needs it: its devices and its device tree (for phandles). */
export interface HostInput {
  devices: HostDevice[];
  tree: Fdt | undefined;
  /** The live host's VFIO cdev and iommufd support; undefined offline. */
  vfio?: HostVfioSupport | undefined;
}

export interface PlanOptions {
  /** Plan offline against this board DTB instead of the live host. */
  hostDtb?: string | undefined;
  /** A host the caller has already read (e.g. a launch's live discovery with VFIO's regions). */
  host?: HostInput | undefined;
  /** Where the guest DTB will be written (goes into the argv's -dtb). */
  dtbFile?: string | undefined;
  progress?: (line: string) => void;
  /** The machine's KVM facts (architecture, /dev/kvm); the running machine's by default. */
  kvm?: KvmFacts | undefined;
  /**
   * Judges the validated config before anything else runs (plugins load, QEMU dumps the base
   * DTB): a launch's assignable-devices policy refuses here, having started nothing.
   */
  admit?: ((config: Config) => void) | undefined;
}

export interface LoadedPlan {
  plan: Plan;
  config: Config;
  /** The guest tree after overlays, with fresh /chosen seeds. */
  guest: Fdt;
  dtb: Uint8Array;
}

/** The live host as the planner takes it. */
export function hostInputOf(live: LiveHost): HostInput {
  return { devices: live.model.devices, tree: live.tree, vfio: live.model.host };
}

async function readHost(hostDtb: string | undefined): Promise<HostInput> {
  if (hostDtb !== undefined) {
    const tree = await readDtbFile(hostDtb);
    return { devices: devicesFromDtb(tree), tree };
  }
  // sysfs discovery loads only for a live host: planning offline for a board reads none of it.
  const { readLiveHost } = await import("../host/live/discover.js");
  const live = await readLiveHost();
  if (!live.tree) {
    throw new InputError(
      "PLAN_NO_HOST_DT",
      "this host has no device tree (/sys/firmware/devicetree/base)",
      {
        hint: "Plan offline for a board with --host-dtb FILE (e.g. a DTB from the board's kernel package).",
      },
    );
  }
  return hostInputOf(live);
}

/** Compiles each overlay (with symbols, for fdtoverlay) and applies them in order. */
async function withOverlays(dtb: Uint8Array, overlays: readonly string[]): Promise<Uint8Array> {
  if (overlays.length === 0) return dtb;
  const compiled: Uint8Array[] = [];
  for (const file of overlays) {
    if (!existsSync(file)) {
      throw new InputError("PLAN_OVERLAY_MISSING", "the DTS overlay file does not exist", {
        where: file,
        hint: "Check the config's \"overlays\"; relative paths start at the config's folder.",
      });
    }
    compiled.push(
      await compileDts(await readInputText(file), {
        symbols: true,
        includeDirs: [dirname(file)],
        source: file,
      }),
    );
  }
  return applyOverlays(dtb, compiled, overlays);
}

/** The QEMU's vfio-platform properties (probed once per binary, cached). */
async function probedVfio(
  binary: QemuBinary,
  progress: (line: string) => void,
): Promise<QemuVfioSupport> {
  // The probe (QMP, a QEMU process) loads only when the backend choice needs it.
  const { probeQemu, requireVfioPlatform } = await import("../qemu/probe.js");
  const { probe } = await probeQemu(binary, { progress });
  requireVfioPlatform(probe);
  return { version: formatVersion(probe.version), ...probe.vfioPlatform };
}

/** Everything `platpass plan` and `platpass dtb` print or write, for a config file. */
export async function planConfigFile(
  configFile: string,
  options: PlanOptions = {},
): Promise<LoadedPlan> {
  const progress = options.progress ?? (() => {});
  const config = await readConfig(configFile);
  options.admit?.(config);
  const registry = await loadRegistry(config.plugins, dirname(resolve(configFile)));
  const host = options.host ?? (await readHost(options.hostDtb));
  const binary = await findQemu({ explicit: config.qemu.binary });
  const machine = machineOf(config.machine);
  const dump = dumpMachine(machine, options.kvm ?? hostKvm());
  const base = await baseDtb({
    binary,
    machine: dump.machine,
    extraArgs: config.qemu.extraArgs,
  });
  if (base.replaced) {
    progress(`base DTB: the cached ${base.path} was corrupt (${base.replaced}); dumped it again`);
  } else {
    progress(`base DTB: ${base.cached ? "cached" : "dumped"} ${base.path}`);
  }
  const qemuVfio = needsQemuProbe(config.qemu.vfioBackend, host.vfio)
    ? await probedVfio(binary, progress)
    : undefined;
  const { plan, guest } = buildPlan({
    config,
    machine,
    hostDevices: host.devices,
    hostTree: host.tree,
    baseDtb: base.bytes,
    registry,
    dtbFile: resolve(options.dtbFile ?? "guest.dtb"),
    qemuBinary: binary.path,
    qemuVfio,
    hostVfio: host.vfio,
    notes: dump.warning ? [dump.warning] : [],
  });
  const overlaid =
    config.overlays.length > 0
      ? readDtb(await withOverlays(writeDtb(guest), config.overlays))
      : guest;
  reseedChosen(overlaid);
  const dtb = writeDtb(overlaid);
  return {
    plan: withGuestDtb(plan, dtb),
    config,
    guest: overlaid,
    dtb,
  };
}
