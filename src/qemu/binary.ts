/**
 * Which qemu-system-aarch64 platpass runs, and what version it is. Looked up in this
 * order: an explicit path (config or --qemu), $PLATPASS_QEMU, then $PATH.
 */
import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import { EnvironmentError, QemuError } from "../errors.js";

export const DEFAULT_QEMU = "qemu-system-aarch64";

export interface QemuBinary {
  /** Absolute path, symlinks resolved: the identity caches are keyed on. */
  path: string;
  source: "explicit" | "PLATPASS_QEMU" | "PATH";
  mtimeMs: number;
  size: number;
}

export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
  /** The distribution's package string, e.g. "Debian 1:7.2+dfsg-7+deb12u18+b3"; "" if none. */
  package: string;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Where a name (no slash) or path resolves to; every place tried is appended to `tried`. */
async function lookup(
  nameOrPath: string,
  pathVar: string,
  tried: string[],
): Promise<string | undefined> {
  const candidates = nameOrPath.includes("/")
    ? [resolve(nameOrPath)]
    : pathVar
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, nameOrPath));
  for (const c of candidates) {
    tried.push(c);
    if (await executable(c)) return c;
  }
  return undefined;
}

export async function findQemu(
  options: { explicit?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): Promise<QemuBinary> {
  const env = options.env ?? process.env;
  const wanted: { value: string; source: QemuBinary["source"] } = options.explicit
    ? { value: options.explicit, source: "explicit" }
    : env.PLATPASS_QEMU
      ? { value: env.PLATPASS_QEMU, source: "PLATPASS_QEMU" }
      : { value: DEFAULT_QEMU, source: "PATH" };
  const tried: string[] = [];
  const found = await lookup(wanted.value, env.PATH ?? "", tried);
  if (!found) {
    const from = wanted.source === "PATH" ? "$PATH" : `${wanted.source} (${wanted.value})`;
    throw new EnvironmentError("QEMU_NOT_FOUND", `no executable QEMU found from ${from}`, {
      where: tried.length ? `tried ${tried.join(", ")}` : "$PATH is empty",
      hint: "Install qemu-system-arm (apt-get install -y qemu-system-arm), or point PLATPASS_QEMU or --qemu at a qemu-system-aarch64 binary.",
    });
  }
  const path = await realpath(found);
  const s = await stat(path);
  return { path, source: wanted.source, mtimeMs: s.mtimeMs, size: s.size };
}

/** Parses the first line of `qemu-system-aarch64 --version`. */
export function parseQemuVersion(text: string): QemuVersion | undefined {
  const m = /QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?(?:[^(\n]*\(([^)\n]*)\))?/.exec(text);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    micro: Number(m[3] ?? 0),
    package: m[4]?.trim() ?? "",
  };
}

export async function qemuVersion(binary: string): Promise<QemuVersion> {
  // execa and its dependencies load only when a version is asked for: finding the binary
  // (every plan) needs none of them.
  const { execa } = await import("execa");
  const r = await execa(binary, ["--version"], { reject: false, all: true, timeout: 30_000 });
  const v = r.exitCode === 0 ? parseQemuVersion(r.stdout) : undefined;
  if (!v) {
    throw new QemuError(
      "QEMU_VERSION_UNREADABLE",
      `'${binary} --version' did not print a version`,
      {
        where: binary,
        hint: `It printed: ${(r.all ?? "").trim().slice(0, 300) || "(nothing)"}. Is this a QEMU system emulator?`,
      },
    );
  }
  return v;
}

export function formatVersion(v: QemuVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}
