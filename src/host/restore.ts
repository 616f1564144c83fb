/**
 * `platpass restore`: undo what runs that died left behind. Every journal entry whose
 * owner is gone and whose device is not locked by a live process is put back as the entry
 * recorded it; stale locks are removed. Devices detached on purpose (`platpass detach`,
 * finished) stay detached unless `all` is asked for.
 */

import { readEntries } from "./journal.js";
import { breakStaleLocks, lockDevice, lockedDevices, lockHolder } from "./lock.js";
import { isAlive } from "./owner.js";
import { type BindOptions, DEFAULT_TIMEOUT_MS, undoEntry } from "./reattach.js";
import { stateDir } from "./state.js";
import type { Sysfs as SysfsType } from "./sysfs.js";
import { Sysfs } from "./sysfs.js";

export interface RestoreOptions extends BindOptions {
  /** Also reattach devices that `platpass detach` moved to vfio on purpose. */
  all?: boolean;
}

export type RestoreOutcome =
  | { device: string; action: "restored"; driver: string | undefined; step: string }
  | { device: string; action: "kept"; reason: string }
  | { device: string; action: "failed"; error: unknown };

async function restoreOne(
  sysfs: SysfsType,
  state: string,
  entry: ReturnType<typeof readEntries>[number],
  timeoutMs: number,
): Promise<RestoreOutcome> {
  const lock = lockDevice(state, entry.device, "restore");
  try {
    const r = await undoEntry(sysfs, state, entry, timeoutMs);
    return {
      device: entry.device,
      action: "restored",
      driver: r.driver,
      step: `${entry.phase}/${entry.step}`,
    };
  } catch (error) {
    return { device: entry.device, action: "failed", error };
  } finally {
    lock.release();
  }
}

export async function restoreHost(options: RestoreOptions = {}): Promise<RestoreOutcome[]> {
  const sysfs = options.sysfs ?? new Sysfs();
  const state = options.state ?? stateDir();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const out: RestoreOutcome[] = [];
  for (const entry of readEntries(state)) {
    const holder = lockHolder(state, entry.device);
    if (holder) {
      out.push({
        device: entry.device,
        action: "kept",
        reason: `in use by pid ${holder.pid} (${holder.purpose})`,
      });
    } else if (entry.mode === "managed" && isAlive(entry.owner)) {
      out.push({
        device: entry.device,
        action: "kept",
        reason: `its launch (pid ${entry.owner.pid}) is running`,
      });
    } else if (entry.phase === "detached" && entry.mode === "manual" && !options.all) {
      out.push({
        device: entry.device,
        action: "kept",
        reason: `detached on purpose to ${entry.target}; 'platpass reattach ${entry.device}' or 'restore --all' gives it back`,
      });
    } else {
      out.push(await restoreOne(sysfs, state, entry, timeoutMs));
    }
  }
  breakStaleLocks(state, lockedDevices(state));
  return out;
}
