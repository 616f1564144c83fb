/**
 * Per-device locks: STATE/locks/DEV.lock holding the owner's pid, so two platpass
 * processes never claim one device. A lock is written and fsynced under a temporary name
 * and link(2)ed into place, which fails when the lock exists: whoever sees a lock sees all
 * of it. A lock whose owner is gone is stale and is broken; breaking happens under a
 * short-lived DEV.lock.break file so that two processes finding the same stale lock cannot
 * both take the device.
 */
import { linkSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HostError } from "../../errors.js";
import { currentOwner, isAlive, ownerSchema } from "./owner.js";
import { matching, type RecordOf, record } from "./record.js";
import * as stateFiles from "./state.js";

const lockFields = {
  ...ownerSchema.shape,
  /** What the owner is doing with the device ("detach", "launch", …). */
  purpose: matching(/^[a-z-]{1,32}$/, "not a purpose"),
};
const lockRecordSchema = record(lockFields);

export type LockRecord = RecordOf<typeof lockFields>;

export interface DeviceLock {
  device: string;
  path: string;
  release(): void;
}

/**
 * A lock platpass cannot read is no one's once it is this old: locks appear whole, so one
 * only looks empty or damaged when a crash or an older platpass (which created the file
 * before writing it) left it so, and such a writer finishes within milliseconds.
 */
const UNREADABLE_GRACE_MS = 10_000;

const SUFFIX = ".lock";

export function lockPath(state: string, device: string): string {
  stateFiles.assertDeviceName(device);
  return join(state, "locks", `${device}${SUFFIX}`);
}

type Found = { record: LockRecord } | { unreadable: string; ageMs: number } | undefined;

function readLock(path: string): Found {
  const read = stateFiles.readStateFile(path);
  if (read === undefined) return undefined;
  const parsed = "refused" in read ? read : stateFiles.parseRecord(read.text, lockRecordSchema);
  if ("value" in parsed) return { record: parsed.value };
  const st = lstatSync(path, { throwIfNoEntry: false });
  return { unreadable: parsed.refused, ageMs: st ? Date.now() - st.mtimeMs : 0 };
}

function isStale(found: Found): boolean {
  if (found === undefined) return false;
  return "record" in found ? !isAlive(found.record) : found.ageMs > UNREADABLE_GRACE_MS;
}

/** Puts `record` at `path` in one step; false when `path` already exists. */
function createExclusive(path: string, record: LockRecord): boolean {
  const tmp = stateFiles.writeTemporary(path, JSON.stringify(record));
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    stateFiles.unlinkQuietly(tmp);
  }
}

/** Removes the lock at `path` if its owner is gone; true when it did. */
function breakIfStale(path: string): boolean {
  const breaker = `${path}.break`;
  if (isStale(readLock(breaker))) stateFiles.unlinkQuietly(breaker);
  if (!createExclusive(breaker, { ...currentOwner(), purpose: "break" })) return false;
  try {
    if (!isStale(readLock(path))) return false;
    stateFiles.unlinkQuietly(path);
    return true;
  } finally {
    stateFiles.unlinkQuietly(breaker);
  }
}

/** The live owner of a device's lock, or undefined when it is free or stale. */
export function lockHolder(state: string, device: string): LockRecord | undefined {
  stateFiles.stateSubdir(state, "locks");
  const found = readLock(lockPath(state, device));
  return found && "record" in found && isAlive(found.record) ? found.record : undefined;
}

function lockedError(device: string, path: string, found: Found): HostError {
  if (found && "unreadable" in found) {
    return new HostError(
      "HOST_DEVICE_LOCKED",
      `${device} has a lock platpass cannot read (${found.unreadable}), written ${Math.round(found.ageMs / 1000)} s ago`,
      {
        where: path,
        hint: `If no platpass process is running, a crash left it: it counts as stale once it is ${UNREADABLE_GRACE_MS / 1000} s old, so try again then or run 'platpass restore'.`,
      },
    );
  }
  return new HostError(
    "HOST_DEVICE_LOCKED",
    `${device} is claimed by another platpass process${found ? ` (pid ${found.record.pid}, ${found.record.purpose})` : ""}`,
    {
      where: path,
      hint: "Wait for that process to finish, or stop it; if it died, 'platpass restore' cleans up after it.",
    },
  );
}

/** Takes the device's lock or throws HOST_DEVICE_LOCKED naming the process that holds it. */
export function lockDevice(state: string, device: string, purpose: string): DeviceLock {
  const path = lockPath(state, device);
  const locks = stateFiles.stateSubdir(state, "locks");
  const record: LockRecord = { ...currentOwner(), purpose };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, record)) {
      stateFiles.syncDir(locks);
      return {
        device,
        path,
        release: () => {
          const found = readLock(path);
          if (found && "record" in found && found.record.pid === record.pid)
            stateFiles.unlinkQuietly(path);
        },
      };
    }
    // Try again when the lock was stale or its owner let it go meanwhile.
    if (!breakIfStale(path) && readLock(path) !== undefined) break;
  }
  throw lockedError(device, path, readLock(path));
}

/** Removes every lock whose owner is gone; returns the devices they were for. */
export function breakStaleLocks(state: string, devices: string[]): string[] {
  stateFiles.stateSubdir(state, "locks");
  return devices.filter((d) => breakIfStale(lockPath(state, d)));
}

/** Devices that have a lock file, live or stale. */
export function lockedDevices(state: string): string[] {
  return readdirSync(stateFiles.stateSubdir(state, "locks"))
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .filter(stateFiles.isDeviceName);
}
