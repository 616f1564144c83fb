/**
 * The binding journal: one record per device platpass has changed, written durably
 * BEFORE each change to sysfs, naming what the device had before (driver, override) and
 * the step about to run. Whatever a crash leaves, the record says how to put it back.
 */
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { HostBus } from "./device.js";
import type { Owner } from "./owner.js";
import { syncDir, writeDurably } from "./state.js";

export type JournalPhase = "detaching" | "detached" | "reattaching";

export interface JournalEntry {
  device: string;
  bus: HostBus;
  /** The device as platpass found it. */
  original: { driver: string | undefined; override: string | undefined };
  /** The vfio driver it is being moved to. */
  target: string;
  iommuGroup: number;
  /** "manual": `platpass detach`, meant to last; "managed": undone when the owner ends. */
  mode: "manual" | "managed";
  owner: Owner;
  phase: JournalPhase;
  /** The step about to run (or, for phase "detached", the last one run). */
  step: string;
  updated: string;
}

function journalDir(state: string): string {
  return join(state, "journal");
}

function entryPath(state: string, device: string): string {
  return join(journalDir(state), `${device}.json`);
}

export function writeEntry(state: string, entry: JournalEntry): void {
  writeDurably(entryPath(state, entry.device), `${JSON.stringify(entry, null, 2)}\n`);
}

/** Updates phase/step of an entry and writes it durably; returns the new entry. */
export function advance(
  state: string,
  entry: JournalEntry,
  phase: JournalPhase,
  step: string,
): JournalEntry {
  const next = { ...entry, phase, step, updated: new Date().toISOString() };
  writeEntry(state, next);
  return next;
}

export function readEntry(state: string, device: string): JournalEntry | undefined {
  try {
    return JSON.parse(readFileSync(entryPath(state, device), "utf8")) as JournalEntry;
  } catch {
    return undefined;
  }
}

export function readEntries(state: string): JournalEntry[] {
  let files: string[];
  try {
    files = readdirSync(journalDir(state)).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  return files
    .map((f) => readEntry(state, f.slice(0, -".json".length)))
    .filter((e): e is JournalEntry => e !== undefined);
}

export function removeEntry(state: string, device: string): void {
  try {
    unlinkSync(entryPath(state, device));
    syncDir(journalDir(state));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}
