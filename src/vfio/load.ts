/**
 * Finds and loads the native addon. The places it looks depend on the running CPU; every
 * place tried is reported, with why it did not do, so `platpass doctor` and the error a
 * command raises can say exactly what is missing. Loading happens once per process.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EnvironmentError } from "../errors.js";
import { shapeProblems, type VfioNative } from "./native.js";

export interface LoadAttempt {
  path: string;
  result: "loaded" | "missing" | "failed" | "wrong shape";
  detail: string;
}

export type AddonLoad =
  | { ok: true; native: VfioNative; path: string; attempts: LoadAttempt[] }
  | { ok: false; attempts: LoadAttempt[]; buildReport: string[] };

/** The package root: this file is dist/vfio/load.js (or src/vfio/load.ts under vitest). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/**
 * Where an addon for `arch` can be: $PLATPASS_VFIO_ADDON first when set; then this tree's own
 * builds (on arm64 the cross-built copy before node-gyp's: in the emulated host the checkout
 * is shared with the x86 machine, whose node-gyp output is an x86 binary); last the prebuilt
 * one the package ships (prebuilds/linux-ARCH/, made by `npm pack`), as node-gyp-build orders
 * them — a local build is the newer one.
 */
export function addonPaths(
  arch: string = process.arch,
  root: string = packageRoot(),
  override: string | undefined = process.env.PLATPASS_VFIO_ADDON,
): string[] {
  const gyp = join(root, "native", "build", "Release", "platpass_vfio.node");
  const cross = join(root, "native", "build-arm64", "platpass_vfio.node");
  const prebuilt = join(root, "prebuilds", `linux-${arch}`, "platpass_vfio.node");
  const known = arch === "arm64" ? [cross, gyp, prebuilt] : [gyp, prebuilt];
  return override ? [override, ...known] : known;
}

export function loadAddonFrom(
  paths: string[],
  load: (path: string) => unknown = createRequire(import.meta.url),
  exists: (path: string) => boolean = existsSync,
): { native?: VfioNative; path?: string; attempts: LoadAttempt[] } {
  const attempts: LoadAttempt[] = [];
  for (const path of paths) {
    if (!exists(path)) {
      attempts.push({ path, result: "missing", detail: "no such file" });
      continue;
    }
    let loaded: unknown;
    try {
      loaded = load(path);
    } catch (e) {
      attempts.push({ path, result: "failed", detail: (e as Error).message.split("\n")[0] ?? "" });
      continue;
    }
    const problems = shapeProblems(loaded);
    if (problems.length) {
      attempts.push({ path, result: "wrong shape", detail: problems.join("; ") });
      continue;
    }
    attempts.push({ path, result: "loaded", detail: "ok" });
    return { native: loaded as VfioNative, path, attempts };
  }
  return { attempts };
}

interface BuildEntry {
  arch?: string;
  ok?: boolean;
  detail?: string;
}

/** The command that builds the addon from source in the tree at `root`. */
export function sourceBuildCommand(root: string = packageRoot()): string {
  return `node ${join(root, "native", "build.mjs")}`;
}

/**
 * What the last build said about the addon for `arch` (native/build/status.json, written by a
 * checkout's `npm run build`), or, where nothing was built, how to build it from source.
 */
export function buildReport(arch: string = process.arch, root: string = packageRoot()): string[] {
  const file = join(root, "native", "build", "status.json");
  const fallback = `the package has no prebuilt addon for linux-${arch}; build one from source with '${sourceBuildCommand(root)}' (needs a C++ compiler, make and python3)`;
  if (!existsSync(file)) return [fallback];
  let status: Record<string, BuildEntry>;
  try {
    status = JSON.parse(readFileSync(file, "utf8")) as Record<string, BuildEntry>;
  } catch {
    return [`${file} is unreadable; ${fallback}`];
  }
  const lines = Object.entries(status)
    .filter(([, e]) => typeof e === "object" && e.arch === arch)
    .map(([name, e]) => `${name} build: ${e.ok ? "ok" : "failed"} — ${e.detail ?? "?"}`);
  return lines.length ? lines : [fallback];
}

let loaded: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  if (loaded) return loaded;
  const r = loadAddonFrom(addonPaths());
  loaded =
    r.native && r.path
      ? { ok: true, native: r.native, path: r.path, attempts: r.attempts }
      : { ok: false, attempts: r.attempts, buildReport: buildReport() };
  return loaded;
}

/** The loaded addon, or an EnvironmentError listing every path tried and the build's report. */
export function vfioNative(): VfioNative {
  const r = loadAddon();
  if (r.ok) return r.native;
  const tried = r.attempts.map((a) => `${a.path}: ${a.result} (${a.detail})`).join("; ");
  throw new EnvironmentError(
    "VFIO_ADDON_UNAVAILABLE",
    `the native VFIO addon could not be loaded for ${process.platform}/${process.arch}`,
    {
      where: tried,
      hint: `${r.buildReport.join("; ")}. Planning and device-tree commands work without it; live VFIO access needs it.`,
    },
  );
}
