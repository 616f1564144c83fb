/**
 * Moving devices to vfio, like libvirt's nodedev-detach: lock every device, check each
 * IOMMU group is viable and idle, then per device journal → driver_override → unbind →
 * drivers_probe → verify the vfio driver is bound and /dev/vfio/N exists. A failure
 * undoes every device already moved, so nothing is left half-done.
 */
import { HostError } from "../../errors.js";
import type { HostBus } from "../device.js";
import { deviceDir, readDriver, readGroup, readOverride } from "../live/device-sysfs.js";
import { assertGroupViable } from "../live/groups.js";
import { vfioGroupNode } from "../live/holders.js";
import { Sysfs } from "../live/sysfs.js";
import {
  assertGroupIdle,
  probe,
  setOverride,
  unbind,
  waitForDriver,
  waitUntil,
} from "./binding.js";
import { advance, isoTime, type JournalEntry, readEntry, writeEntry } from "./journal.js";
import { killPoint } from "./killpoint.js";
import { type DeviceLock, lockDevice } from "./lock.js";
import { currentOwner } from "./owner.js";
import { type BindOptions, DEFAULT_TIMEOUT_MS, requireBus, undoEntry } from "./reattach.js";
import { stateDir } from "./state.js";

export interface DetachOptions extends BindOptions {
  /** The vfio driver to bind; vfio-platform or vfio-amba by bus when not given. */
  driver?: string;
  /** "manual" (`platpass detach`) or "managed" (around a launch, locks kept until reattach). */
  mode?: "manual" | "managed";
}

export interface DetachedDevice {
  device: string;
  bus: HostBus;
  /** The driver it had, undefined when it was unbound. */
  from: string | undefined;
  driver: string;
  iommuGroup: number;
  /** /dev/vfio/N (or noiommu-N), the node QEMU opens. */
  vfioNode: string;
  /** False when the device was already on vfio and platpass left it as it found it. */
  changed: boolean;
}

export interface DetachSession {
  devices: DetachedDevice[];
  /** Held until the session ends (managed) — released already in manual mode. */
  locks: DeviceLock[];
  state: string;
  sysfs: Sysfs;
  timeoutMs: number;
}

interface Target {
  name: string;
  bus: HostBus;
  driver: string | undefined;
  override: string | undefined;
  group: number;
  vfioDriver: string;
}

export function vfioDriverFor(bus: HostBus): string {
  return bus === "amba" ? "vfio-amba" : "vfio-platform";
}

async function inspect(sysfs: Sysfs, name: string, driver: string | undefined): Promise<Target> {
  const bus = await requireBus(sysfs, name);
  const group = await readGroup(sysfs, bus, name);
  if (group === undefined) {
    throw new HostError("HOST_NO_IOMMU_GROUP", `${name} is not in an IOMMU group`, {
      where: `${deviceDir(bus, name)}/iommu_group`,
      hint: "VFIO can only isolate a device behind an IOMMU: its host DT node needs an `iommus` property pointing at an enabled IOMMU (SMMU).",
    });
  }
  const vfioDriver = driver ?? vfioDriverFor(bus);
  if (!(await sysfs.exists(`/sys/bus/${bus}/drivers/${vfioDriver}`))) {
    throw new HostError("HOST_VFIO_DRIVER_MISSING", `the ${vfioDriver} driver is not loaded`, {
      where: `/sys/bus/${bus}/drivers/${vfioDriver}`,
      hint: `modprobe ${vfioDriver}${vfioDriver === "vfio-platform" ? " (add reset_required=0 for devices without a reset module)" : ""}`,
    });
  }
  return {
    name,
    bus,
    driver: await readDriver(sysfs, bus, name),
    override: await readOverride(sysfs, bus, name),
    group,
    vfioDriver,
  };
}

async function detachOne(
  s: DetachSession,
  t: Target,
  mode: "manual" | "managed",
): Promise<DetachedDevice> {
  const { sysfs, state } = s;
  let entry: JournalEntry = {
    device: t.name,
    bus: t.bus,
    original: { driver: t.driver, override: t.override },
    target: t.vfioDriver,
    iommuGroup: t.group,
    mode,
    owner: currentOwner(),
    phase: "detaching",
    step: "override",
    updated: isoTime(Date.now()),
  };
  writeEntry(state, entry);
  killPoint("journaled");
  setOverride(sysfs, t.bus, t.name, t.vfioDriver);
  killPoint("override");
  if (t.driver !== undefined) {
    entry = advance(state, entry, "detaching", "unbind");
    unbind(sysfs, t.bus, t.name, t.driver);
    killPoint("unbind");
  }
  entry = advance(state, entry, "detaching", "probe");
  probe(sysfs, t.bus, t.name);
  killPoint("probe");
  const bound = await waitForDriver(sysfs, t.bus, t.name, t.vfioDriver, s.timeoutMs);
  if (bound !== t.vfioDriver) {
    throw new HostError(
      "HOST_BIND_FAILED",
      `${t.vfioDriver} did not bind ${t.name} (now: ${bound ? `bound to ${bound}` : "unbound"})`,
      {
        where: deviceDir(t.bus, t.name),
        hint: "See dmesg. For vfio-platform the usual reasons are a missing reset handler (load it with reset_required=0) or no IOMMU group.",
      },
    );
  }
  await waitUntil(async () => (await vfioGroupNode(sysfs, t.group)) !== undefined, s.timeoutMs);
  const node = await vfioGroupNode(sysfs, t.group);
  if (node === undefined) {
    throw new HostError("HOST_BIND_FAILED", `/dev/vfio/${t.group} did not appear for ${t.name}`, {
      where: "/dev/vfio",
      hint: "Is devtmpfs mounted on /dev and vfio loaded? See dmesg.",
    });
  }
  killPoint("verify");
  advance(state, entry, "detached", "verified");
  return {
    device: t.name,
    bus: t.bus,
    from: t.driver,
    driver: t.vfioDriver,
    iommuGroup: t.group,
    vfioNode: node,
    changed: true,
  };
}

/** A journal entry left by a run that died: undo it before anything else touches the device. */
async function undoLeftover(
  s: DetachSession,
  name: string,
  mode: "manual" | "managed",
): Promise<void> {
  const entry = readEntry(s.state, name);
  if (!entry) return;
  if (entry.phase === "detached" && entry.mode === "manual") {
    if (mode === "manual") {
      throw new HostError(
        "HOST_ALREADY_DETACHED",
        `${name} is already detached (bound to ${entry.target})`,
        {
          where: deviceDir(entry.bus, name),
          hint: `Run 'platpass reattach ${name}' to give it back to ${entry.original.driver ?? "no driver"}.`,
        },
      );
    }
    return;
  }
  await undoEntry(s.sysfs, s.state, entry, s.timeoutMs);
}

async function detachLocked(
  s: DetachSession,
  names: string[],
  options: DetachOptions,
): Promise<void> {
  const mode = options.mode ?? "manual";
  for (const name of names) await undoLeftover(s, name, mode);
  const targets = await Promise.all(names.map((n) => inspect(s.sysfs, n, options.driver)));
  for (const t of targets) {
    if (t.driver === t.vfioDriver && mode === "manual" && !readEntry(s.state, t.name)) {
      throw new HostError(
        "HOST_ALREADY_DETACHED",
        `${t.name} is already bound to ${t.vfioDriver}`,
        {
          where: deviceDir(t.bus, t.name),
        },
      );
    }
  }
  for (const group of new Set(targets.map((t) => t.group))) {
    await assertGroupViable(s.sysfs, group, names);
    await assertGroupIdle(s.sysfs, group, targets.find((t) => t.group === group)!.name);
  }
  for (const t of targets) {
    if (t.driver === t.vfioDriver) {
      const node = (await vfioGroupNode(s.sysfs, t.group)) ?? `/dev/vfio/${t.group}`;
      s.devices.push({
        device: t.name,
        bus: t.bus,
        from: t.driver,
        driver: t.driver,
        iommuGroup: t.group,
        vfioNode: node,
        changed: false,
      });
      continue;
    }
    try {
      s.devices.push(await detachOne(s, t, mode));
    } catch (e) {
      await rollback(s, t.name);
      throw e;
    }
  }
}

/** Undoes the failed device and every one already moved, newest first; keeps the first error. */
async function rollback(s: DetachSession, failed: string): Promise<void> {
  const names = [
    failed,
    ...s.devices
      .filter((d) => d.changed)
      .map((d) => d.device)
      .reverse(),
  ];
  for (const name of names) {
    try {
      const entry = readEntry(s.state, name);
      if (entry) await undoEntry(s.sysfs, s.state, entry, s.timeoutMs);
    } catch {
      // The first error is the one to report; 'platpass restore' retries what is left.
    }
  }
  s.devices.length = 0;
}

/**
 * Detaches `names` together (a group's members must go together). Manual mode releases
 * the locks when done; managed mode hands them to the caller inside the session.
 */
export async function detachDevices(
  names: string[],
  options: DetachOptions = {},
): Promise<DetachSession> {
  const session: DetachSession = {
    devices: [],
    locks: [],
    state: options.state ?? stateDir(),
    sysfs: options.sysfs ?? new Sysfs(),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  const mode = options.mode ?? "manual";
  try {
    for (const name of [...new Set(names)].sort()) {
      session.locks.push(lockDevice(session.state, name, mode === "managed" ? "launch" : "detach"));
    }
    killPoint("locked");
    await detachLocked(session, [...new Set(names)], options);
  } catch (e) {
    for (const l of session.locks) l.release();
    throw e;
  }
  if (mode === "manual") for (const l of session.locks) l.release();
  return session;
}
