/**
 * Debian packages as cached assets: `apt-get download` into a versioned cache, then
 * `dpkg-deb -x` into a directory named after the exact package version. Used by the
 * emulated host (kernel, modules, userland) and by tests that need real Debian files
 * (the arm64 kernel's DTBs, the stock kernel for boots).
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { EnvironmentError } from "../errors.js";
import { aptCache } from "./apt-answers.js";
import { cacheRoot } from "./cache.js";
import { type OfflineAsset, requireOnline } from "./offline.js";

export interface DebianPackage {
  name: string;
  arch: string;
  version: string;
  /** The downloaded .deb. */
  deb: string;
  /** Where its contents were extracted. */
  root: string;
}

/**
 * The mirror apt already uses for SUITE/main packages of ARCH, from `apt-cache policy`
 * (no trailing slash); undefined when apt's sources have none.
 */
export async function aptMirror(suite: string, arch: string): Promise<string | undefined> {
  const line = (await aptCache(["policy"]))
    .split("\n")
    .find((l) => l.includes(` ${suite}/main ${arch} Packages`));
  return line?.trim().split(/\s+/)[1]?.replace(/\/+$/, "");
}

async function candidateVersion(spec: string): Promise<string> {
  const v = (await aptCache(["policy", spec])).match(/Candidate:\s*(\S+)/)?.[1];
  if (!v || v === "(none)") {
    throw new EnvironmentError("DEBIAN_NO_CANDIDATE", `apt has no candidate version for ${spec}`, {
      hint: "Run 'platpass provision --for tests' (it adds the arm64 architecture and runs apt-get update), or 'apt-get update' if the lists are stale.",
    });
  }
  return v;
}

/**
 * The Debian 12 arm64 kernel lines platpass boots: 6.1 (bookworm's own, ABI "6.1.0-N-arm64")
 * and 6.12 (bookworm-security's, ABI "6.12.N+deb12-arm64"). Each line's newest ABI wins.
 */
export const ARM64_KERNEL_LINES = ["6.1", "6.12"] as const;
export type Arm64KernelLine = (typeof ARM64_KERNEL_LINES)[number];

const KERNEL_LINE_NAMES: Record<Arm64KernelLine, { search: string; abi: RegExp }> = {
  "6.1": {
    search: "^linux-image-6.1.0-[0-9]+-arm64$",
    abi: /^linux-image-(6\.1\.0-(\d+)-arm64)\s/gm,
  },
  "6.12": {
    search: "^linux-image-6\\.12\\.[0-9]+\\+deb12-arm64$",
    abi: /^linux-image-(6\.12\.(\d+)\+deb12-arm64)\s/gm,
  },
};

/** The newest ABI of `line` in `apt-cache search --names-only` output, or undefined. */
export function newestAbiIn(line: Arm64KernelLine, aptSearch: string): string | undefined {
  return [...aptSearch.matchAll(KERNEL_LINE_NAMES[line].abi)]
    .map((m) => ({ abi: m[1]!, n: Number(m[2]) }))
    .sort((a, b) => b.n - a.n)[0]?.abi;
}

/** The newest arm64 image of `line` apt knows, by its ABI name (e.g. "6.1.0-56-arm64"). */
export async function newestArm64KernelAbi(line: Arm64KernelLine = "6.1"): Promise<string> {
  const abi = newestAbiIn(
    line,
    await aptCache(["search", "--names-only", KERNEL_LINE_NAMES[line].search]),
  );
  if (!abi) {
    throw new EnvironmentError(
      "DEBIAN_NO_KERNEL",
      `apt knows no arm64 linux-image package of the ${line} line`,
      {
        hint: "Run 'platpass provision --for tests' to add the arm64 architecture and update apt's lists.",
      },
    );
  }
  return abi;
}

/**
 * Downloads (once) and extracts (once) a Debian package. Concurrent callers in other
 * processes are safe: each step writes to a temporary name and renames into place.
 * `offline` says what is missing when PLATPASS_OFFLINE=1 refuses the download (by default,
 * the emulated host's assets).
 */
export async function debianPackage(
  name: string,
  arch: string,
  progress: (line: string) => void = () => {},
  offline?: OfflineAsset,
): Promise<DebianPackage> {
  const spec = arch === "all" ? name : `${name}:${arch}`;
  const version = await candidateVersion(spec);
  const safe = version.replace(/[^A-Za-z0-9.+~-]/g, "_");
  const dir = join(cacheRoot(), "debian", `${name}_${safe}_${arch}`);
  const deb = join(dir, "package.deb");
  const root = join(dir, "root");
  if (existsSync(root)) return { name, arch, version, deb, root };

  await mkdir(dir, { recursive: true });
  if (!existsSync(deb)) {
    requireOnline(`apt-get download ${spec}=${version}`, offline);
    progress(`download ${spec}=${version}`);
    const tmp = await mkdirTemp(dir);
    const r = await execa("apt-get", ["download", `${spec}=${version}`], {
      cwd: tmp,
      reject: false,
      all: true,
    });
    const files = r.exitCode === 0 ? (await readdir(tmp)).filter((f) => f.endsWith(".deb")) : [];
    if (!files[0]) {
      await rm(tmp, { recursive: true, force: true });
      throw new EnvironmentError(
        "DEBIAN_DOWNLOAD_FAILED",
        `apt-get download ${spec}=${version} failed`,
        {
          hint: `Check network access to the Debian archive. apt said: ${r.all?.split("\n").slice(-3).join(" ")}`,
        },
      );
    }
    await rename(join(tmp, files[0]), deb);
    await rm(tmp, { recursive: true, force: true });
  }
  progress(`extract ${spec}=${version}`);
  const tmpRoot = await mkdirTemp(dir);
  await execa("dpkg-deb", ["-x", deb, tmpRoot]);
  try {
    await rename(tmpRoot, root);
  } catch (e) {
    // Another process extracted it first; theirs is as good as ours.
    await rm(tmpRoot, { recursive: true, force: true });
    if (!existsSync(root)) throw e;
  }
  return { name, arch, version, deb, root };
}

async function mkdirTemp(parent: string): Promise<string> {
  const p = join(
    parent,
    `.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  await mkdir(p, { recursive: true });
  return p;
}
