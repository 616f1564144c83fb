/**
 * The binding journal: one record per device platpass has changed, written durably
 * BEFORE each change to sysfs, naming what the device had before (driver, override) and
 * the step about to run. Whatever a crash leaves, the record says how to put it back.
 * Root writes sysfs from what a record says, so a record is believed only when every field
 * has the shape platpass writes and its device is the one its file is named after.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { HostError } from "../../errors.js";
import { ownerSchema } from "./owner.js";
import {
  type Infer,
  integer,
  matching,
  oneOf,
  optional,
  type RecordOf,
  record,
  text,
} from "./record.js";
import {
  assertDeviceName,
  deviceNameSchema,
  driverNameSchema,
  isDeviceName,
  parseRecord,
  readStateFile,
  stateSubdir,
  syncDir,
  unlinkQuietly,
  writeDurably,
} from "./state.js";

const phaseSchema = oneOf("detaching", "detached", "reattaching");

export type JournalPhase = Infer<typeof phaseSchema>;

const entryFields = {
  device: deviceNameSchema,
  bus: oneOf("platform", "amba"),
  /** The device as platpass found it. */
  original: record({
    driver: optional(driverNameSchema),
    override: optional(driverNameSchema),
  }),
  /** The vfio driver it is being moved to. */
  target: driverNameSchema,
  iommuGroup: integer(0, 0xffff_ffff),
  /** "manual": `platpass detach`, meant to last; "managed": undone when the owner ends. */
  mode: oneOf("manual", "managed"),
  owner: ownerSchema,
  phase: phaseSchema,
  /** The step about to run (or, for phase "detached", the last one run). */
  step: matching(/^[a-z-]{1,32}$/, "not a step name"),
  updated: text((s) => s.length <= 64, "not a time"),
};
const entrySchema = record(entryFields);

export type JournalEntry = RecordOf<typeof entryFields>;

/** A journal file that could not be used, and why. */
export interface InvalidEntry {
  /** Its path. */
  file: string;
  reason: string;
}

const SUFFIX = ".json";

function entryPath(journal: string, device: string): string {
  assertDeviceName(device);
  return join(journal, `${device}${SUFFIX}`);
}

type Parsed = { entry: JournalEntry } | { refused: string } | undefined;

/** The entry in `file` (named DEV.json), or why it cannot be believed. */
function parseEntryFile(file: string): Parsed {
  const device = basename(file).slice(0, -SUFFIX.length);
  if (!isDeviceName(device)) return { refused: "its name is not a sysfs device name" };
  const read = readStateFile(file);
  if (read === undefined || "refused" in read) return read;
  const parsed = parseRecord(read.text, entrySchema);
  if ("refused" in parsed) return parsed;
  if (parsed.value.device !== device) {
    return { refused: `it names device ${parsed.value.device}, not the ${device} it is filed as` };
  }
  return { entry: parsed.value };
}

export function writeEntry(state: string, entry: JournalEntry): void {
  const journal = stateSubdir(state, "journal");
  writeDurably(entryPath(journal, entry.device), `${JSON.stringify(entry, null, 2)}\n`);
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

/**
 * The device's entry, undefined when it has none. An entry that cannot be believed is
 * HOST_STATE_ENTRY_INVALID: acting on the device without knowing what it had is refused.
 */
export function readEntry(state: string, device: string): JournalEntry | undefined {
  const file = entryPath(stateSubdir(state, "journal"), device);
  const parsed = parseEntryFile(file);
  if (parsed === undefined || "entry" in parsed) return parsed?.entry;
  throw new HostError(
    "HOST_STATE_ENTRY_INVALID",
    `the journal entry for ${device} cannot be used: ${parsed.refused}`,
    {
      where: file,
      hint: "Run 'platpass restore': it moves the entry to the quarantine directory beside the journal and restores the other devices; then check the device's driver with 'platpass list'.",
    },
  );
}

/** Every entry in the journal, and every file in it that is not a usable entry. */
export function scanJournal(state: string): { entries: JournalEntry[]; invalid: InvalidEntry[] } {
  const journal = stateSubdir(state, "journal");
  const entries: JournalEntry[] = [];
  const invalid: InvalidEntry[] = [];
  for (const name of readdirSync(journal).sort()) {
    if (!name.endsWith(SUFFIX)) continue;
    const file = join(journal, name);
    const parsed = parseEntryFile(file);
    if (parsed === undefined) continue;
    if ("entry" in parsed) entries.push(parsed.entry);
    else invalid.push({ file, reason: parsed.refused });
  }
  return { entries, invalid };
}

/** The usable entries alone. */
export function readEntries(state: string): JournalEntry[] {
  return scanJournal(state).entries;
}

/** Moves a journal file aside into STATE/quarantine/ (the file itself, never what it links to). */
export function quarantine(state: string, file: string): string {
  const dir = stateSubdir(state, "quarantine");
  const to = join(dir, `${basename(file)}.${Date.now()}.${randomBytes(3).toString("hex")}`);
  renameSync(file, to);
  syncDir(dir);
  syncDir(dirname(file));
  return to;
}

export function removeEntry(state: string, device: string): void {
  const journal = stateSubdir(state, "journal");
  unlinkQuietly(entryPath(journal, device));
  syncDir(journal);
}
