/**
 * Giving a device back: unbind it from vfio (after checking nobody holds its group),
 * restore its driver_override, probe, and verify the driver it had is bound again. Used
 * by `platpass reattach`, by managed launches on every exit path, and by `restore` for
 * what a crashed run left behind; every step is journaled before it runs.
 */
import { HostError } from "../../errors.js";
import type { HostBus } from "../device.js";
import { busOf, deviceDir, readDriver, readGroup } from "../live/device-sysfs.js";
import { Sysfs } from "../live/sysfs.js";
import * as binding from "./binding.js";
import { advance, type JournalEntry, readEntry, removeEntry } from "./journal.js";
import { killPoint } from "./killpoint.js";
import { lockDevice } from "./lock.js";
import { currentOwner } from "./owner.js";
import { stateDir } from "./state.js";

export interface BindOptions {
  sysfs?: Sysfs;
  /** State directory for the journal and locks; stateDir() by default. */
  state?: string;
  /** How long to wait for a driver to bind after a probe. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface Reattached {
  device: string;
  /** The driver bound now (undefined: the device was unbound before and is again). */
  driver: string | undefined;
  /** The vfio driver it left, or undefined when it was not bound to vfio. */
  from: string | undefined;
}

/**
 * Puts a journaled device back as the entry says it was, then drops the entry. The entry
 * is kept when the original driver does not come back, so `restore` can try again.
 */
export async function undoEntry(
  sysfs: Sysfs,
  state: string,
  entry: JournalEntry,
  timeoutMs: number,
): Promise<Reattached> {
  const { device, bus } = entry;
  if (!(await sysfs.exists(deviceDir(bus, device)))) {
    removeEntry(state, device);
    return { device, driver: undefined, from: undefined };
  }
  const current = await readDriver(sysfs, bus, device);
  const original = entry.original.driver;
  let e = { ...entry, owner: currentOwner() };
  if (current !== undefined && current !== original) {
    if (current.startsWith("vfio")) await binding.assertGroupIdle(sysfs, entry.iommuGroup, device);
    e = advance(state, e, "reattaching", "unbind");
    binding.unbind(sysfs, bus, device, current);
    killPoint("reattach-unbind");
  }
  e = advance(state, e, "reattaching", "override");
  binding.setOverride(sysfs, bus, device, entry.original.override);
  killPoint("reattach-override");
  if (original !== undefined && current !== original) {
    advance(state, e, "reattaching", "probe");
    binding.probe(sysfs, bus, device);
    killPoint("reattach-probe");
  }
  const now = await binding.waitForDriver(sysfs, bus, device, original, timeoutMs);
  if (now !== original) {
    throw new HostError(
      "HOST_REBIND_FAILED",
      `${device} did not go back to ${original ?? "no driver"} (now: ${now ?? "unbound"})`,
      {
        where: deviceDir(bus, device),
        hint: "See dmesg for the driver's probe error; the journal keeps the record, so 'platpass restore' can retry.",
      },
    );
  }
  removeEntry(state, device);
  return { device, driver: now, from: current?.startsWith("vfio") ? current : undefined };
}

export async function requireBus(sysfs: Sysfs, name: string): Promise<HostBus> {
  const bus = await busOf(sysfs, name);
  if (bus) return bus;
  throw new HostError("HOST_NO_DEVICE", `no platform or amba device named ${name}`, {
    where: "/sys/bus/platform/devices, /sys/bus/amba/devices",
    hint: "Run 'platpass list' for the device names this host has.",
  });
}

/** A device bound to vfio that platpass never journaled: give it to whatever driver probes. */
async function reattachUnjournaled(
  sysfs: Sysfs,
  name: string,
  timeoutMs: number,
): Promise<Reattached> {
  const bus = await requireBus(sysfs, name);
  const current = await readDriver(sysfs, bus, name);
  if (!current?.startsWith("vfio")) {
    throw new HostError(
      "HOST_NOT_DETACHED",
      `${name} is not bound to a vfio driver (${current ? `bound to ${current}` : "unbound"}); nothing to reattach`,
      { where: deviceDir(bus, name) },
    );
  }
  const group = await readGroup(sysfs, bus, name);
  if (group !== undefined) await binding.assertGroupIdle(sysfs, group, name);
  binding.unbind(sysfs, bus, name, current);
  binding.setOverride(sysfs, bus, name, undefined);
  binding.probe(sysfs, bus, name);
  await binding.waitUntil(
    async () => (await readDriver(sysfs, bus, name)) !== undefined,
    timeoutMs,
  );
  return { device: name, driver: await readDriver(sysfs, bus, name), from: current };
}

/** `platpass reattach`: each device back to the driver the journal recorded. */
export async function reattachDevices(
  names: string[],
  options: BindOptions = {},
): Promise<Reattached[]> {
  const sysfs = options.sysfs ?? new Sysfs();
  const state = options.state ?? stateDir();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const out: Reattached[] = [];
  for (const name of names) {
    const lock = lockDevice(state, name, "reattach");
    try {
      const entry = readEntry(state, name);
      out.push(
        entry
          ? await undoEntry(sysfs, state, entry, timeoutMs)
          : await reattachUnjournaled(sysfs, name, timeoutMs),
      );
    } finally {
      lock.release();
    }
  }
  return out;
}
