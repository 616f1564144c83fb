/**
 * `buildBed()`: every asset of the emulated ARM host, each a cached, resumable step under
 * cacheRoot()/bed/<version-key>. The key names the kernel ABI and the layout revision, and
 * every step's directory carries a digest of its recipe, so a newer Debian kernel or a
 * changed recipe builds beside the old assets instead of over them.
 */
import { copyFile, cp } from "node:fs/promises";
import { join } from "node:path";
import { provisionBackportsQemu } from "../env/backports-qemu.js";
import { cacheRoot } from "../env/cache.js";
import { type Arm64KernelLine, newestArm64KernelAbi } from "../env/debian.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { initramfsFor } from "./initramfs.js";
import { bedKernel } from "./kernel.js";
import { buildModules, builtModules, MODULES_RECIPES } from "./modules.js";
import { type BedNode, bedNode } from "./node.js";
import { bedUserland, L2_MOUNT, USERLAND_SUITE } from "./userland.js";

/** Where the 6.12 bed's QEMU 10.0 tree sits in the l2 share. */
const L2_QEMU_DIR = "qemu";

/** Bumped whenever a step's recipe changes what it produces. */
export const RECIPE_REVISION = 1;

/** The kernel line `bed build`, `bed run` and the tests boot unless told otherwise. */
export const DEFAULT_KERNEL_LINE: Arm64KernelLine = "6.1";

export interface BedAssets {
  /** cacheRoot()/bed/<key>. */
  dir: string;
  key: string;
  kernel: {
    line: Arm64KernelLine;
    abi: string;
    version: string;
    vmlinuz: string;
    modulesRoot: string;
  };
  /** The out-of-tree modules (flat directory of .ko files) and their names. */
  modules: { dir: string; names: string[] };
  /** L1's initramfs (host path). */
  l1Initramfs: string;
  /** The Debian arm64 userland L1 chroots into (host path). */
  userland: { root: string; suite: string };
  node: BedNode;
  /**
   * The nested guest's kernel and initramfs: host paths and the paths L1 sees them at. On
   * 6.12 also bookworm-backports' arm64 QEMU 10.0 to run it with (vfio-platform's fd= and
   * iommufd=), its binary at inL1.qemu; L1's own qemu-system-aarch64 stays Debian's 7.2.
   */
  l2: {
    dir: string;
    kernel: string;
    initramfs: string;
    qemuVersion?: string;
    inL1: { kernel: string; initramfs: string; qemu?: string };
  };
}

export function bedKey(abi: string): string {
  return `${abi}-r${RECIPE_REVISION}`;
}

/**
 * Builds (or finds cached) the bed for one kernel line; each line has its own directory,
 * so building 6.12 leaves the 6.1 bed as it is.
 */
export async function buildBed(
  opts: { progress?: Progress; kernel?: Arm64KernelLine } = {},
): Promise<BedAssets> {
  const progress = opts.progress ?? (() => {});
  const line = opts.kernel ?? DEFAULT_KERNEL_LINE;
  const recipe = MODULES_RECIPES[line];
  const abi = await newestArm64KernelAbi(line);
  const key = bedKey(abi);
  const dir = join(cacheRoot(), "bed", key);
  // Two independent chains: the kernel side is CPU-bound, the userland mostly downloads.
  const kernelSide = (async () => {
    const modulesDir = await buildModules(dir, abi, recipe, progress);
    const kernel = await bedKernel(dir, line, abi, modulesDir, progress);
    return { modulesDir, kernel, initramfs: await initramfsFor(dir, kernel, progress) };
  })();
  // Node and the userland are the same for every kernel line: built once for both.
  const shared = join(cacheRoot(), "bed", `userland-r${RECIPE_REVISION}`);
  const userSide = (async () => {
    const node = await bedNode(shared, progress);
    const qemu = line === "6.12" ? await provisionBackportsQemu(progress, "arm64") : undefined;
    return { node, qemu, userland: await bedUserland(shared, node, progress) };
  })();
  const [{ modulesDir, kernel, initramfs }, { node, qemu, userland }] = await Promise.all([
    kernelSide,
    userSide,
  ]);
  // 6.1's step name stays the digest of exactly the kernel and the initramfs.
  const l2Dir = await cachedStep(
    join(dir, `l2-${recipeDigest(kernel.vmlinuz, initramfs.l2, ...(qemu ? [qemu.version] : []))}`),
    "collecting the nested guest's kernel and initramfs",
    progress,
    async (tmp) => {
      await copyFile(kernel.vmlinuz, join(tmp, "vmlinuz"));
      await copyFile(initramfs.l2, join(tmp, "initramfs.cpio.gz"));
      if (qemu) await cp(qemu.dir, join(tmp, L2_QEMU_DIR), { recursive: true });
    },
  );
  return {
    dir,
    key,
    kernel,
    modules: { dir: modulesDir, names: builtModules(recipe) },
    l1Initramfs: initramfs.l1,
    userland: { root: userland, suite: USERLAND_SUITE },
    node,
    l2: {
      dir: l2Dir,
      kernel: join(l2Dir, "vmlinuz"),
      initramfs: join(l2Dir, "initramfs.cpio.gz"),
      ...(qemu ? { qemuVersion: qemu.version } : {}),
      inL1: {
        kernel: `${L2_MOUNT}/vmlinuz`,
        initramfs: `${L2_MOUNT}/initramfs.cpio.gz`,
        ...(qemu ? { qemu: `${L2_MOUNT}/${L2_QEMU_DIR}/usr/bin/qemu-system-aarch64` } : {}),
      },
    },
  };
}
