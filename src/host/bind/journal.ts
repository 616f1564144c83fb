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
  type Check,
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

/** A state record read from its file, why it cannot be believed, or undefined when absent. */
export type ParsedFile<T> = { value: T } | { refused: string } | undefined;

/**
 * The record in `file` as `schema` reads it, or why it cannot be believed; `misfiled` says
 * why a well-formed record is not the one its file's name promises.
 */
export function parseStateFile<T>(
  file: string,
  schema: Check<T>,
  misfiled: (value: T) => string | undefined,
): ParsedFile<T> {
  const read = readStateFile(file);
  if (read === undefined || "refused" in read) return read;
  const parsed = parseRecord(read.text, schema);
  if ("refused" in parsed) return parsed;
  const refused = misfiled(parsed.value);
  return refused === undefined ? parsed : { refused };
}

/** The entry in `file` (named DEV.json), or why it cannot be believed. */
function parseEntryFile(file: string): ParsedFile<JournalEntry> {
  const device = basename(file).slice(0, -SUFFIX.length);
  if (!isDeviceName(device)) return { refused: "its name is not a sysfs device name" };
  return parseStateFile(file, entrySchema, (e) =>
    e.device === device
      ? undefined
      : `it names device ${e.device}, not the ${device} it is filed as`,
  );
}

export function writeEntry(state: string, entry: JournalEntry): void {
  const journal = stateSubdir(state, "journal");
  writeDurably(entryPath(journal, entry.device), `${JSON.stringify(entry, null, 2)}\n`);
}

const DAY_MS = 86_400_000;

/**
 * `ms` since the epoch as Date's toISOString prints it (2026-12-01T15:56:04.829Z), for years
 * 0-9999, from the day count by Hinnant's civil_from_days. Not toISOString itself: its first
 * call in a process has V8 set up ICU's time zone, which with neither TZ nor /etc/localtime
 * scans /usr/share/zoneinfo — 13-20 s in the emulated host (root over 9p), paid by every
 * detach, reattach and launch at its first journal write.
 */
export function isoTime(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const m = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * m + 2) / 5) + 1;
  const month = m < 10 ? m + 3 : m - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const time = [3_600_000, 60_000, 1000].map((unit, i) =>
    pad(Math.floor(inDay / unit) % (i === 0 ? 24 : 60)),
  );
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${time.join(":")}.${pad(inDay % 1000, 3)}Z`;
}

/** Updates phase/step of an entry and writes it durably; returns the new entry. */
export function advance(
  state: string,
  entry: JournalEntry,
  phase: JournalPhase,
  step: string,
): JournalEntry {
  const next = { ...entry, phase, step, updated: isoTime(Date.now()) };
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
  if (parsed === undefined || "value" in parsed) return parsed?.value;
  throw new HostError(
    "HOST_STATE_ENTRY_INVALID",
    `the journal entry for ${device} cannot be used: ${parsed.refused}`,
    {
      where: file,
      hint: "Run 'platpass restore': it moves the entry to the quarantine directory beside the journal and restores the other devices; then check the device's driver with 'platpass list'.",
    },
  );
}

/** Every NAME.json in `dir` read by `parse`: the usable records, and every other file's reason. */
export function scanRecords<T>(
  dir: string,
  parse: (file: string, name: string) => ParsedFile<T>,
): { values: T[]; invalid: InvalidEntry[] } {
  const values: T[] = [];
  const invalid: InvalidEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(SUFFIX)) continue;
    const file = join(dir, name);
    const parsed = parse(file, name.slice(0, -SUFFIX.length));
    if (parsed === undefined) continue;
    if ("value" in parsed) values.push(parsed.value);
    else invalid.push({ file, reason: parsed.refused });
  }
  return { values, invalid };
}

/** Every entry in the journal, and every file in it that is not a usable entry. */
export function scanJournal(state: string): { entries: JournalEntry[]; invalid: InvalidEntry[] } {
  const { values, invalid } = scanRecords(stateSubdir(state, "journal"), parseEntryFile);
  return { entries: values, invalid };
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
