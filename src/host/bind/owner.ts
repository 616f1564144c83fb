/**
 * A process that owns a lock or a journal entry: its pid plus its start time from
 * /proc/PID/stat, so a recycled pid is not mistaken for the owner still running.
 */
import { readFileSync } from "node:fs";
import { conforms, integer, matching, optional, type RecordOf, record } from "./record.js";

/** Linux's largest pid_max; 0 and negative pids would name process groups to kill(2). */
const PID_MAX = 4_194_304;

const ownerFields = {
  pid: integer(1, PID_MAX),
  /** starttime (field 22 of /proc/PID/stat), in clock ticks since boot. */
  start: optional(matching(/^[0-9]{1,20}$/, "not a start time")),
};

export const ownerSchema = record(ownerFields);

export type Owner = RecordOf<typeof ownerFields>;

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19];
  } catch {
    return undefined;
  }
}

export function currentOwner(): Owner {
  return { pid: process.pid, start: startTime(process.pid) };
}

export function isAlive(owner: Owner): boolean {
  if (!conforms(ownerSchema, owner)) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return owner.start === undefined || startTime(owner.pid) === owner.start;
}
