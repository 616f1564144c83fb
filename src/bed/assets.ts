/**
 * `buildBed()`: every asset of the emulated ARM host, each a cached, resumable step under
 * cacheRoot()/bed/<version-key>. The key names the kernel ABI and the layout revision, and
 * every step's directory carries a digest of its recipe, so a newer Debian kernel or a
 * changed recipe builds beside the old assets instead of over them.
 */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { cacheRoot } from "../env/cache.js";
import { newestArm64KernelAbi } from "../env/debian.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { initramfsFor } from "./initramfs.js";
import { bedKernel } from "./kernel.js";
import { BUILT_MODULES, buildModules } from "./modules.js";
import { type BedNode, bedNode } from "./node.js";
import { bedUserland, L2_MOUNT, USERLAND_SUITE } from "./userland.js";

/** Bumped whenever a step's recipe changes what it produces. */
export const RECIPE_REVISION = 1;

export interface BedAssets {
  /** cacheRoot()/bed/<key>. */
  dir: string;
  key: string;
  kernel: { abi: string; version: string; vmlinuz: string; modulesRoot: string };
  /** The out-of-tree modules (flat directory of .ko files) and their names. */
  modules: { dir: string; names: string[] };
  /** L1's initramfs (host path). */
  l1Initramfs: string;
  /** The Debian arm64 userland L1 chroots into (host path). */
  userland: { root: string; suite: string };
  node: BedNode;
  /** The nested guest's kernel and initramfs: host paths and the paths L1 sees them at. */
  l2: {
    dir: string;
    kernel: string;
    initramfs: string;
    inL1: { kernel: string; initramfs: string };
  };
}

export function bedKey(abi: string): string {
  return `${abi}-r${RECIPE_REVISION}`;
}

export async function buildBed(opts: { progress?: Progress } = {}): Promise<BedAssets> {
  const progress = opts.progress ?? (() => {});
  const abi = await newestArm64KernelAbi();
  const key = bedKey(abi);
  const dir = join(cacheRoot(), "bed", key);
  // Two independent chains: the kernel side is CPU-bound, the userland mostly downloads.
  const kernelSide = (async () => {
    const modulesDir = await buildModules(dir, abi, progress);
    const kernel = await bedKernel(dir, abi, modulesDir, progress);
    return { modulesDir, kernel, initramfs: await initramfsFor(dir, kernel, progress) };
  })();
  const userSide = (async () => {
    const node = await bedNode(dir, progress);
    return { node, userland: await bedUserland(dir, node, progress) };
  })();
  const [{ modulesDir, kernel, initramfs }, { node, userland }] = await Promise.all([
    kernelSide,
    userSide,
  ]);
  const l2Dir = await cachedStep(
    join(dir, `l2-${recipeDigest(kernel.vmlinuz, initramfs.l2)}`),
    "collecting the nested guest's kernel and initramfs",
    progress,
    async (tmp) => {
      await copyFile(kernel.vmlinuz, join(tmp, "vmlinuz"));
      await copyFile(initramfs.l2, join(tmp, "initramfs.cpio.gz"));
    },
  );
  return {
    dir,
    key,
    kernel,
    modules: { dir: modulesDir, names: [...BUILT_MODULES] },
    l1Initramfs: initramfs.l1,
    userland: { root: userland, suite: USERLAND_SUITE },
    node,
    l2: {
      dir: l2Dir,
      kernel: join(l2Dir, "vmlinuz"),
      initramfs: join(l2Dir, "initramfs.cpio.gz"),
      inL1: { kernel: `${L2_MOUNT}/vmlinuz`, initramfs: `${L2_MOUNT}/initramfs.cpio.gz` },
    },
  };
}
