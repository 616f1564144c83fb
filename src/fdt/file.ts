import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { readDtb } from "./read.js";
import type { Fdt } from "./tree.js";

/** Reads and parses a DTB file; an unreadable file is an InputError naming it. */
export async function readDtbFile(path: string): Promise<Fdt> {
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new InputError("DT_FILE_UNREADABLE", `cannot read ${path}`, {
      where: path,
      hint: `Check the path and permissions (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
      cause: e,
    });
  }
  return readDtb(buf, { source: path });
}
