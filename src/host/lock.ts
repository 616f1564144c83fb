/**
 * Per-device locks: STATE/locks/DEV.lock created with O_EXCL and holding the owner's pid,
 * so two platpass processes never claim one device. A lock whose owner is gone is stale
 * and is broken; breaking happens under a short-lived DEV.lock.break file so that two
 * processes finding the same stale lock cannot both take the device.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { HostError } from "../errors.js";
import { currentOwner, isAlive, type Owner } from "./owner.js";
import { syncDir } from "./state.js";

export interface LockRecord extends Owner {
  /** What the owner is doing with the device ("detach", "launch", …). */
  purpose: string;
}

export interface DeviceLock {
  device: string;
  path: string;
  release(): void;
}

function locksDir(state: string): string {
  return join(state, "locks");
}

export function lockPath(state: string, device: string): string {
  return join(locksDir(state), `${device}.lock`);
}

function readRecord(path: string): LockRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockRecord;
  } catch {
    return undefined;
  }
}

/** Creates `path` exclusively with `record`; false when it already exists. */
function createExclusive(path: string, record: object): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(record));
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Removes the lock at `path` if its owner is gone; true when it did. */
function breakIfStale(path: string): boolean {
  const breaker = `${path}.break`;
  const stale = readRecord(breaker);
  if (stale && !isAlive(stale)) unlinkQuietly(breaker);
  if (!createExclusive(breaker, currentOwner())) return false;
  try {
    const record = readRecord(path);
    // An unreadable record is a lock being written right now: leave it to its owner.
    if (!record || isAlive(record)) return false;
    unlinkQuietly(path);
    return true;
  } finally {
    unlinkQuietly(breaker);
  }
}

/** The live owner of a device's lock, or undefined when it is free or stale. */
export function lockHolder(state: string, device: string): LockRecord | undefined {
  const record = readRecord(lockPath(state, device));
  return record && isAlive(record) ? record : undefined;
}

/** Takes the device's lock or throws HOST_DEVICE_LOCKED naming the process that holds it. */
export function lockDevice(state: string, device: string, purpose: string): DeviceLock {
  try {
    mkdirSync(locksDir(state), { recursive: true });
  } catch (e) {
    throw new HostError("HOST_STATE_UNWRITABLE", `cannot create the state directory ${state}`, {
      where: locksDir(state),
      hint: "platpass journals every binding change there; set PLATPASS_STATE to a writable directory (it must survive until 'platpass restore' runs).",
      cause: e,
    });
  }
  const path = lockPath(state, device);
  const record: LockRecord = { ...currentOwner(), purpose };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(path, record)) {
      syncDir(locksDir(state));
      return {
        device,
        path,
        release: () => {
          if (readRecord(path)?.pid === record.pid) unlinkQuietly(path);
        },
      };
    }
    if (!breakIfStale(path)) break;
  }
  const holder = readRecord(path);
  throw new HostError(
    "HOST_DEVICE_LOCKED",
    `${device} is claimed by another platpass process${holder ? ` (pid ${holder.pid}, ${holder.purpose})` : ""}`,
    {
      where: path,
      hint: "Wait for that process to finish, or stop it; if it died, 'platpass restore' cleans up after it.",
    },
  );
}

/** Removes every lock whose owner is gone; returns the devices they were for. */
export function breakStaleLocks(state: string, devices: string[]): string[] {
  return devices.filter((d) => breakIfStale(lockPath(state, d)));
}

/** Devices that have a lock file, live or stale. */
export function lockedDevices(state: string): string[] {
  try {
    return readdirSync(locksDir(state))
      .filter((f) => f.endsWith(".lock"))
      .map((f) => f.slice(0, -".lock".length));
  } catch {
    return [];
  }
}
