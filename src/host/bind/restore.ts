/**
 * `platpass restore`: undo what runs that died left behind. Every journal entry whose
 * owner is gone and whose device is not locked by a live process is put back as the entry
 * recorded it; stale locks are removed. Devices detached on purpose (`platpass detach`,
 * finished) stay detached unless `all` is asked for. One device failing never stops the
 * others, and a journal file that is not a usable entry is moved to STATE/quarantine/ and
 * reported rather than kept (it would fail every run) or deleted (someone must look at it).
 */

import { join } from "node:path";
import { HostError } from "../../errors.js";
import type { Sysfs as SysfsType } from "../live/sysfs.js";
import { Sysfs } from "../live/sysfs.js";
import { type InvalidEntry, type JournalEntry, quarantine, scanJournal } from "./journal.js";
import { breakStaleLocks, lockDevice, lockedDevices, lockHolder } from "./lock.js";
import { returnNode, scanNodeRecords } from "./node-owner.js";
import { isAlive } from "./owner.js";
import { type BindOptions, DEFAULT_TIMEOUT_MS, undoEntry } from "./reattach.js";
import { displayName, stateDir, stateSubdir } from "./state.js";

export interface RestoreOptions extends BindOptions {
  /** Also reattach devices that `platpass detach` moved to vfio on purpose. */
  all?: boolean;
}

export type RestoreOutcome =
  | { device: string; action: "restored"; driver: string | undefined; step: string }
  | { device: string; action: "kept"; reason: string }
  | { device: string; action: "failed"; error: unknown }
  /** A /dev/vfio/N a dead launch had lent to QEMU's user, given its owner and mode back. */
  /** `changed` is false when the node was gone (or re-created): only the record was dropped. */
  | { node: string; action: "returned"; uid: number; gid: number; mode: string; changed: boolean }
  | { node: string; action: "node-kept"; reason: string }
  | { node: string; action: "node-failed"; error: unknown }
  /** `movedTo` is undefined when even moving it aside failed (said in `reason`). */
  | { file: string; action: "quarantined"; reason: string; movedTo: string | undefined };

async function restoreOne(
  sysfs: SysfsType,
  state: string,
  entry: JournalEntry,
  timeoutMs: number,
): Promise<RestoreOutcome> {
  try {
    const lock = lockDevice(state, entry.device, "restore");
    try {
      const r = await undoEntry(sysfs, state, entry, timeoutMs);
      return {
        device: entry.device,
        action: "restored",
        driver: r.driver,
        step: `${entry.phase}/${entry.step}`,
      };
    } finally {
      lock.release();
    }
  } catch (error) {
    return { device: entry.device, action: "failed", error };
  }
}

function setAside(state: string, bad: InvalidEntry): RestoreOutcome {
  try {
    return { ...bad, action: "quarantined", movedTo: quarantine(state, bad.file) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return {
      ...bad,
      action: "quarantined",
      reason: `${bad.reason}; moving it aside failed (${code})`,
      movedTo: undefined,
    };
  }
}

function decide(entry: JournalEntry, state: string, all: boolean): string | undefined {
  const holder = lockHolder(state, entry.device);
  if (holder) return `in use by pid ${holder.pid} (${holder.purpose})`;
  if (entry.mode === "managed" && isAlive(entry.owner)) {
    return `its launch (pid ${entry.owner.pid}) is running`;
  }
  if (entry.phase === "detached" && entry.mode === "manual" && !all) {
    return `detached on purpose to ${entry.target}; 'platpass reattach ${entry.device}' or 'restore --all' gives it back`;
  }
  return undefined;
}

export async function restoreHost(options: RestoreOptions = {}): Promise<RestoreOutcome[]> {
  const sysfs = options.sysfs ?? new Sysfs();
  const state = options.state ?? stateDir();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Both directories are checked before anything in either is acted on.
  stateSubdir(state, "locks");
  const { entries, invalid } = scanJournal(state);
  const out: RestoreOutcome[] = invalid.map((bad) => setAside(state, bad));
  // Nodes first: unbinding a device removes its group's node, and with it what to put back.
  out.push(...returnNodes(state));
  for (const entry of entries) {
    const reason = decide(entry, state, options.all ?? false);
    out.push(
      reason === undefined
        ? await restoreOne(sysfs, state, entry, timeoutMs)
        : { device: entry.device, action: "kept", reason },
    );
  }
  breakStaleLocks(state, lockedDevices(state));
  return out;
}

function returnNodes(state: string): RestoreOutcome[] {
  const { records, invalid } = scanNodeRecords(state);
  const out: RestoreOutcome[] = invalid.map((bad) => setAside(state, bad));
  for (const rec of records) {
    if (isAlive(rec.owner)) {
      out.push({
        node: rec.path,
        action: "node-kept",
        reason: `lent to uid ${rec.lentTo.uid} by the running launch pid ${rec.owner.pid}`,
      });
      continue;
    }
    try {
      const changed = returnNode(state, rec);
      const { uid, gid } = rec.original;
      const mode = `0${rec.original.mode.toString(8)}`;
      out.push({ node: rec.path, action: "returned", uid, gid, mode, changed });
    } catch (error) {
      out.push({ node: rec.path, action: "node-failed", error });
    }
  }
  return out;
}

/** HOST_STATE_ENTRY_INVALID summing up the entries a restore set aside, if any. */
export function quarantineError(outcomes: RestoreOutcome[], state: string): HostError | undefined {
  const files = outcomes.flatMap((o) => (o.action === "quarantined" ? [o.file] : []));
  if (files.length === 0) return undefined;
  const one = files.length === 1;
  return new HostError(
    "HOST_STATE_ENTRY_INVALID",
    `${files.length} journal ${one ? "entry" : "entries"} could not be used (${files.map(displayName).join(", ")}) and ${one ? "was" : "were"} moved aside`,
    {
      where: join(state, "quarantine"),
      hint: "Each is listed above with its reason. The devices they were for may still be on vfio or carry a driver_override: check with 'platpass list' and give them back with 'platpass reattach DEV'.",
    },
  );
}
