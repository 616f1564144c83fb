/**
 * The base of every guest device tree: QEMU's own `-machine virt,…,dumpdtb=FILE` for the
 * very machine, cpu, smp, memory and non-passthrough devices the guest will run with (the
 * dump differs with virtualization=on, gic-version, iommu, …). With `-dtb` QEMU still
 * allocates the platform bus but writes no nodes for it, so platpass adds them to this.
 *
 * Cached by a hash of the binary's identity (path, mtime, size) and the exact argv. A cached
 * file is parsed before it is believed: one cut short (a full disk, a copy interrupted) or
 * overwritten is dumped again rather than failing the plan with a DTB error the user did not
 * cause and that names no file. A dump
 * carries QEMU's random /chosen rng-seed and kaslr-seed; guest-dt's reseedChosen gives
 * each boot fresh ones, as QEMU itself does when it builds the tree.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { cacheRoot } from "../env/cache.js";
import { isPlatpassError, QemuError } from "../errors.js";
import { readDtb } from "../fdt/read.js";
import type { QemuBinary } from "../qemu/binary.js";
import { type MachineOptions, machineArgs } from "./machine.js";

export interface BaseDtbRequest {
  binary: QemuBinary;
  machine: MachineOptions;
  /**
   * Further QEMU arguments that shape the tree and are not passthrough devices (e.g.
   * `-device virtio-rng-device`, `-device tpm-tis-device,…` with its backend). Backends
   * they need (a swtpm socket) must be live during the dump.
   */
  extraArgs?: readonly string[];
}

export interface BaseDtb {
  bytes: Uint8Array;
  /** The cached file. */
  path: string;
  /** The cache key: sha-256 of binary identity and argv. */
  key: string;
  cached: boolean;
  /** Why the cached file was not used and was dumped again (it did not parse as a DTB). */
  replaced?: string | undefined;
  /** The arguments QEMU was (or would be) run with, minus dumpdtb's file name. */
  argv: string[];
}

export interface BaseDtbOptions {
  cacheDir?: string;
  /** Dump again even when cached. */
  refresh?: boolean;
  timeoutMs?: number;
}

/** The argv of a dump, with `dumpdtb` pointing at `file`. */
export function dumpArgs(request: BaseDtbRequest, file: string): string[] {
  return [
    ...machineArgs(request.machine, file),
    "-nodefaults",
    "-display",
    "none",
    ...(request.extraArgs ?? []),
  ];
}

export function baseDtbKey(request: BaseDtbRequest): string {
  const { path, mtimeMs, size } = request.binary;
  const identity = JSON.stringify({ path, mtimeMs, size, argv: dumpArgs(request, "") });
  return createHash("sha256").update(identity).digest("hex").slice(0, 32);
}

export async function baseDtb(
  request: BaseDtbRequest,
  options: BaseDtbOptions = {},
): Promise<BaseDtb> {
  const dir = options.cacheDir ?? join(cacheRoot(), "base-dtb");
  const key = baseDtbKey(request);
  const path = join(dir, `${key}.dtb`);
  const argv = dumpArgs(request, "");
  let replaced: string | undefined;
  if (!options.refresh && existsSync(path)) {
    const bytes = new Uint8Array(await readFile(path));
    replaced = dtbProblem(bytes);
    if (replaced === undefined) return { bytes, path, key, cached: true, argv };
  }
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, ".dump-"));
  try {
    const file = join(work, "base.dtb");
    const args = dumpArgs(request, file);
    // Loaded only for a dump: a cached base DTB (the common case) spawns nothing.
    const { execa } = await import("execa");
    const r = await execa(request.binary.path, args, {
      reject: false,
      all: true,
      stdin: "ignore",
      timeout: options.timeoutMs ?? 120_000,
    });
    if (r.exitCode !== 0 || !existsSync(file)) {
      const said = (r.stderr || r.all || "").trim() || "(nothing on stderr)";
      throw new QemuError(
        "BASE_DTB_FAILED",
        `QEMU could not dump the base device tree${r.timedOut ? " (timed out)" : ` (exit ${r.exitCode})`}: ${said}`,
        {
          where: `${request.binary.path} ${args.join(" ")}`,
          hint: "QEMU's message names the option it rejected; change that machine option.",
        },
      );
    }
    const bytes = new Uint8Array(await readFile(file));
    const problem = dtbProblem(bytes);
    if (problem !== undefined) {
      throw new QemuError("BASE_DTB_FAILED", `QEMU's dump is not a valid DTB: ${problem}`, {
        where: `${request.binary.path} ${args.join(" ")}`,
        hint: 'This QEMU writes a broken dumpdtb; try another QEMU binary ("qemu.binary" in the config, or $PLATPASS_QEMU).',
      });
    }
    await rename(file, path);
    return { bytes, path, key, cached: false, argv, replaced };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Why `bytes` is not a DTB the reader accepts, or undefined when it is one. */
function dtbProblem(bytes: Uint8Array): string | undefined {
  try {
    readDtb(bytes);
    return undefined;
  } catch (e) {
    if (isPlatpassError(e)) return `${e.message} [${e.code}]`;
    throw e;
  }
}
