/**
 * Where platpass keeps what must survive a crash: $PLATPASS_STATE, else /var/lib/platpass
 * for root, else $XDG_STATE_HOME/platpass (~/.local/state/platpass). Files are replaced
 * atomically (temporary file, fsync, rename, fsync of the directory) so a reader never
 * sees half a record and a record written before a change survives a power cut.
 *
 * Root acts on what these files say (writes sysfs, removes files), so the directory must
 * be one nobody else can write into: a real directory owned by the running user, not
 * writable by group or others, below parents only root or that user can change. Files are
 * never followed through symlinks, and a record is only believed when it is a regular
 * file owned by the running user that nobody else can write.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { HostError } from "../../errors.js";
import { deviceNameProblem } from "../dt/device-name.js";
import { type Check, RecordProblem, text } from "./record.js";

const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/** No record platpass writes comes near this; a larger file is not one of ours. */
const MAX_RECORD_BYTES = 64 * 1024;

export function stateDir(): string {
  if (process.env.PLATPASS_STATE) return process.env.PLATPASS_STATE;
  if (process.getuid?.() === 0) return "/var/lib/platpass";
  const xdg = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(xdg, "platpass");
}

/**
 * NAME_MAX less what platpass adds to a device's name for its longest state file,
 * locks/DEV.lock.break.PID.RANDOM.tmp: ".lock.break" (11), ".PID" (up to 8 for pid_max
 * 2^22), ".RANDOM" (13) and ".tmp" (4). A longer name is a real sysfs name that platpass
 * cannot journal, refused before anything changes rather than failing between two steps.
 */
const MAX_STATE_NAME_BYTES = 255 - 36;

/**
 * Why `name` cannot have state files: deviceNameProblem's rule (the CLI's and the config's,
 * which keeps every name one entry in one directory: no "/", "." or "..", NUL or control
 * characters), or that it leaves its state files no room.
 */
function stateNameProblem(name: string): string | undefined {
  const problem = deviceNameProblem(name);
  if (problem) return problem;
  const bytes = Buffer.byteLength(name, "utf8");
  if (bytes > MAX_STATE_NAME_BYTES) {
    return `it is ${bytes} bytes long, more than the ${MAX_STATE_NAME_BYTES} platpass's state file names leave for it`;
  }
  return undefined;
}

/** A device name as a record may hold it: names become path components under /sys and STATE. */
export const deviceNameSchema = text(
  (s) => stateNameProblem(s) === undefined,
  "not a sysfs device name",
);

/** A driver name (tpm_tis, vfio-platform) or a driver_override value. */
export const driverNameSchema = text(
  (s) => /^[A-Za-z0-9_.:+-]{1,64}$/.test(s) && !s.includes(".."),
  "not a driver name",
);

export function isDeviceName(name: string): boolean {
  return stateNameProblem(name) === undefined;
}

/** Throws HOST_NO_DEVICE for a name no sysfs device can have, before it reaches a path. */
export function assertDeviceName(name: string): void {
  const problem = stateNameProblem(name);
  if (problem === undefined) return;
  throw new HostError(
    "HOST_NO_DEVICE",
    `${displayName(name)} is not a sysfs device name platpass can act on: ${problem}`,
    {
      hint: "Device names look like c000000.tpm_tis or firmware:optee; run 'platpass list' for the names this host has.",
    },
  );
}

/** A file name as it may be printed: names from a hostile directory can hold control characters. */
export function displayName(name: string): string {
  return /^[\x20-\x7e]*$/.test(name) ? name : JSON.stringify(name);
}

/** `s` as one word a POSIX shell reads back unchanged. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:+@-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(uid());
  }
}

function modeText(st: Stats): string {
  return `0${(st.mode & 0o7777).toString(8)}`;
}

function unsafe(path: string, problem: string, hint: string): HostError {
  return new HostError("HOST_STATE_UNSAFE", `the state directory ${path} ${problem}`, {
    where: path,
    hint,
  });
}

/** The fix for a directory root must not trust: make it the running user's and close it. */
function ownHint(path: string, why: string): string {
  const p = shellWord(path);
  return `${why}: chown ${shellWord(userName())}: ${p} && chmod 0755 ${p} (first check that nothing in it was planted: ls -laR ${p}).`;
}

function assertSafeDir(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) {
    throw unsafe(
      path,
      "is a symbolic link",
      `Whoever can change the link decides where root writes: replace it with a real directory (rm ${shellWord(path)} && mkdir -m 0700 ${shellWord(path)}), or set PLATPASS_STATE to the directory it names after checking its owner and mode.`,
    );
  }
  if (!st.isDirectory()) {
    throw unsafe(
      path,
      "is not a directory",
      `It is not platpass's: move it away, or set PLATPASS_STATE to a directory.`,
    );
  }
  if (st.uid !== uid()) {
    throw unsafe(
      path,
      `is owned by uid ${st.uid}, not by ${userName()} (uid ${uid()})`,
      ownHint(path, "Its owner could plant records that platpass would act on"),
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw unsafe(
      path,
      `is writable by its group or by others (mode ${modeText(st)})`,
      ownHint(path, "Anyone who can write it could plant records that platpass would act on"),
    );
  }
}

/** A parent directory of a trusted file that someone other than root and `owner` can change. */
export interface UnsafeParent {
  dir: string;
  /** "its group or others", or "uid N" for another owner. */
  who: string;
  mode: string;
  /** False when the directory belongs to another user (chmod alone does not fix it). */
  ownerOk: boolean;
}

/**
 * The first parent of `path` that a user other than root and `owner` could change, and so
 * replace `path` with their own: owned by someone else, or writable by group or others
 * without the sticky bit. Undefined when every parent up to / is safe.
 */
export function unsafeParent(path: string, owner = uid()): UnsafeParent | undefined {
  let dir = realpathSync(dirname(path));
  for (;;) {
    const st = statSync(dir);
    const ownerOk = st.uid === 0 || st.uid === owner;
    const sticky = (st.mode & 0o1000) !== 0;
    if (!ownerOk || ((st.mode & 0o022) !== 0 && !sticky)) {
      return {
        dir,
        who: ownerOk ? "its group or others" : `uid ${st.uid}`,
        mode: modeText(st),
        ownerOk,
      };
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Parents another user can change let that user swap the state directory for their own. */
function assertSafeParents(path: string): void {
  const parent = unsafeParent(path);
  if (parent === undefined) return;
  const { dir, who, mode, ownerOk } = parent;
  throw new HostError(
    "HOST_STATE_UNSAFE",
    `${dir}, a parent of the state directory ${path}, can be changed by ${who} (mode ${mode})`,
    {
      where: dir,
      hint: `They could replace the state directory with their own: set PLATPASS_STATE to a directory whose parents only root${uid() === 0 ? "" : ` and ${userName()}`} can change${ownerOk ? `, or chmod go-w ${shellWord(dir)}` : ""}.`,
    },
  );
}

function makeDir(path: string, recursive: boolean): void {
  try {
    mkdirSync(path, { recursive, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    throw new HostError("HOST_STATE_UNWRITABLE", `cannot create ${path} for platpass's state`, {
      where: path,
      hint: "platpass journals every binding change there; set PLATPASS_STATE to a writable directory (it must survive until 'platpass restore' runs).",
      cause: e,
    });
  }
}

/**
 * STATE (or STATE/sub), created 0700 when missing, after checking that nobody but the
 * running user can put anything in it. Throws HOST_STATE_UNSAFE naming the path and the fix.
 */
export function stateSubdir(state: string, sub?: string): string {
  // Parents first: nothing is created inside a directory another user controls.
  makeDir(dirname(state), true);
  assertSafeParents(state);
  makeDir(state, false);
  assertSafeDir(state);
  if (sub === undefined) return state;
  const dir = join(state, sub);
  makeDir(dir, false);
  assertSafeDir(dir);
  return dir;
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/**
 * Writes `text` to a new file beside `path` (a name no one else can have claimed: created
 * exclusively, never through a symlink) and fsyncs it; returns its path. Removed on failure.
 */
export function writeTemporary(path: string, text: string): string {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fd = openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  let written = false;
  try {
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    written = true;
    return tmp;
  } finally {
    if (!written) unlinkQuietly(tmp);
  }
}

/** Replaces `path` with `text`, durably, before returning. */
export function writeDurably(path: string, text: string): void {
  const tmp = writeTemporary(path, text);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkQuietly(tmp);
    throw e;
  }
  syncDir(dirname(path));
}

/** fsync of a directory after an unlink or create in it. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A state file's text, or why it cannot be believed. */
export type StateRead = { text: string } | { refused: string };

/**
 * Reads a record without following a symlink or blocking on a FIFO; undefined when absent.
 * Anything but a small regular file of `owner`'s (the running user by default) that only
 * they can write is refused.
 */
export function readStateFile(path: string, owner = uid()): StateRead | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    return { refused: code === "ELOOP" ? "it is a symbolic link" : `it cannot be read (${code})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { refused: "it is not a regular file" };
    if (st.uid !== owner) return { refused: `it is owned by uid ${st.uid}, not by uid ${owner}` };
    if ((st.mode & 0o022) !== 0) {
      return { refused: `its group or others can write it (mode ${modeText(st)})` };
    }
    if (st.size > MAX_RECORD_BYTES) return { refused: `it is too large (${st.size} bytes)` };
    return { text: readFileSync(fd, "utf8") };
  } catch (e) {
    return { refused: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  } finally {
    closeSync(fd);
  }
}

/** Parses a record's text as JSON against `schema`; a reason when it is not such a record. */
export function parseRecord<T>(text: string, schema: Check<T>): { value: T } | { refused: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { refused: text.trim() === "" ? "it is empty" : "it is not JSON" };
  }
  try {
    return { value: schema(json, []) };
  } catch (e) {
    if (!(e instanceof RecordProblem)) throw e;
    const at = e.path.length ? ` at ${e.path.join(".")}` : "";
    return { refused: `it is not a record platpass wrote (${e.reason}${at})` };
  }
}
