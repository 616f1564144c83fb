/**
 * Reading the files a user names (board DTBs, overlays): only regular files, only up to a
 * stated size, both checked on the open file before a byte is read — so /dev/zero, a FIFO or
 * a file far beyond any real device tree is refused at once instead of filling memory.
 */
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { InputError } from "../errors.js";
import { readDtb } from "./read.js";
import type { Fdt } from "./tree.js";

/**
 * The largest input accepted: 64 MiB. Debian's largest arm64 board DTB is under 300 KiB; the
 * bound keeps the parsed model (a small multiple of the input) within a workstation's memory.
 */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const MIB = 1024 * 1024;

async function openInput(path: string): Promise<FileHandle> {
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    return await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError("DT_FILE_UNREADABLE", `cannot read ${path}`, {
      where: path,
      hint: `Check the path and permissions (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
      cause: e,
    });
  }
}

/** The whole file, refused unless it is a regular file of at most `cap` bytes. */
export async function readInputFile(path: string, cap = MAX_INPUT_BYTES): Promise<Uint8Array> {
  const fh = await openInput(path);
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      throw new InputError("DT_FILE_NOT_REGULAR", `${path} is not a regular file`, {
        where: path,
        hint: "Give a file: devices, FIFOs and directories are not read.",
      });
    }
    if (st.size > cap) {
      throw new InputError(
        "DT_FILE_TOO_LARGE",
        `${path} is ${st.size} bytes, more than the ${cap / MIB} MiB platpass reads`,
        {
          where: path,
          hint: `Inputs are limited to ${cap / MIB} MiB (README, "Limits, honestly").`,
        },
      );
    }
    // Read what stat promised and no more: a file growing under us cannot lift the cap.
    const buf = new Uint8Array(st.size);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buf.length ? buf : buf.subarray(0, filled);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError("DT_FILE_UNREADABLE", `cannot read ${path}`, {
      where: path,
      hint: `Check the file (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
      cause: e,
    });
  } finally {
    await fh.close();
  }
}

/** A text input (a DTS overlay), under the same rules. */
export async function readInputText(path: string): Promise<string> {
  return new TextDecoder().decode(await readInputFile(path));
}

/** Reads and parses a DTB file; an unreadable, irregular or oversized file is an InputError. */
export async function readDtbFile(path: string): Promise<Fdt> {
  return readDtb(await readInputFile(path), { source: path });
}
