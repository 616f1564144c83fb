/**
 * Where a command writes the file the user named with -o. Checked before the command does
 * its work (a missing directory should not cost a QEMU dump) and written so that a failure
 * leaves no half file: a temp file beside the target, fsynced, then renamed over it.
 *
 * Only a regular file (or a name not yet taken) is replaced that way. A character device or
 * FIFO (/dev/stdout, /dev/null, a pipe from `>(...)`) is written in place: renaming over it
 * would replace the device node itself, which as root would be /dev/null turned into a file.
 * So is /dev/stdout (or /dev/fd/N) even when the shell pointed it at a regular file: the
 * user asked for the stream, and the file the shell holds open must be the one written.
 * A directory, block device or socket is refused: no DTB belongs there.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, open, realpath, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EnvironmentError, InputError } from "../errors.js";

const OPEN_STREAM = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;

export interface OutputFile {
  /** The path as the user will see it in messages and output. */
  readonly path: string;
  write(data: Uint8Array | string): Promise<void>;
}

/** A system call's error code (ENOENT, ENOSPC); undefined for anything else, which is a bug. */
function errnoOf(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  return typeof err?.errno === "number" ? err.code : undefined;
}

function noDirectory(path: string, dir: string): InputError {
  return new InputError("OUTPUT_NO_DIRECTORY", `the directory of ${path} does not exist`, {
    where: path,
    hint: `Create it first (mkdir -p ${dir}) or give -o a path in an existing directory.`,
  });
}

/** The machine refused a write: permissions, a read-only mount, a full disk. */
function writeFailed(path: string, e: unknown): EnvironmentError {
  const code = errnoOf(e);
  const denied = code === "EACCES" || code === "EPERM" || code === "EROFS";
  return new EnvironmentError(
    denied ? "OUTPUT_NOT_WRITABLE" : "OUTPUT_WRITE_FAILED",
    `cannot write ${path}: ${(e as Error).message}`,
    {
      where: path,
      hint: denied
        ? "Write it somewhere you may write (your home directory, /tmp), or fix the permissions."
        : "Free space, or give -o a path on another file system.",
      cause: e,
    },
  );
}

function guard<T>(path: string, work: () => Promise<T>): Promise<T> {
  return work().catch((e: unknown) => {
    if (errnoOf(e) === undefined) throw e;
    if (errnoOf(e) === "ENOENT" || errnoOf(e) === "ENOTDIR") {
      throw noDirectory(path, dirname(path));
    }
    throw writeFailed(path, e);
  });
}

/** Checks that `path` can take the output and says how it will be written. */
export async function outputFile(path: string): Promise<OutputFile> {
  const found = await stat(path).catch((e: unknown) => {
    if (errnoOf(e) === "ENOENT") return undefined;
    if (errnoOf(e) === "ENOTDIR") throw noDirectory(path, dirname(path));
    throw writeFailed(path, e);
  });
  if (found === undefined) {
    const dir = dirname(path);
    const parent = await stat(dir).catch(() => undefined);
    if (!parent?.isDirectory()) throw noDirectory(path, dir);
    await guard(path, () => access(dir, constants.W_OK));
    return { path, write: (data) => guard(path, () => replace(path, data, undefined)) };
  }
  if (found.isDirectory()) {
    throw new InputError("OUTPUT_IS_DIRECTORY", `${path} is a directory`, {
      where: path,
      hint: `Give -o a file name, e.g. ${join(path, "guest.dtb")}.`,
    });
  }
  if (found.isCharacterDevice() || found.isFIFO() || OPEN_STREAM.test(path)) {
    return { path, write: (data) => guard(path, () => inPlace(path, data)) };
  }
  if (!found.isFile()) {
    throw new InputError("OUTPUT_NOT_A_FILE", `${path} is neither a file nor a stream`, {
      where: path,
      hint: "Give -o a regular file, or /dev/stdout to print the tree.",
    });
  }
  // Through a symlink, the file it names is the one replaced; the link stays.
  const target = await realpath(path);
  await guard(path, () => access(dirname(target), constants.W_OK));
  return { path, write: (data) => guard(path, () => replace(target, data, found.mode & 0o7777)) };
}

async function inPlace(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

async function replace(
  target: string,
  data: Uint8Array | string,
  mode: number | undefined,
): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    try {
      await handle.writeFile(data);
      if (mode !== undefined) await chmod(temp, mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}
