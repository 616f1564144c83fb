/**
 * The two busybox initramfs images: L1's (the modules to reach the 9p shares, and an init
 * that chroots into the userland) and the nested guest's (the fixed TPM modules).
 */
import { chmod, copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { debianPackage } from "../env/debian.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { type BedKernel, copyModules, moduleClosure } from "./kernel.js";
import { l1Init } from "./l1-init.js";
import { L2_INIT } from "./l2-init.js";

/** What L1's init needs before the full module tree is mounted over 9p. */
const L1_EARLY_MODULES = ["virtio_mmio", "9pnet_virtio", "9p"];
const L2_MODULES = ["tpm_tis_core", "tpm_tis"];
/** Bumped when the images' layout or packing changes. */
const INITRAMFS_REVISION = 1;

export async function initramfsFor(
  cacheDir: string,
  kernel: BedKernel,
  progress: Progress,
): Promise<{ l1: string; l2: string }> {
  const l1 = l1Init(kernel.line);
  const dir = await cachedStep(
    join(
      cacheDir,
      `initramfs-${recipeDigest(kernel.modulesRoot, l1, L2_INIT, L1_EARLY_MODULES, L2_MODULES, INITRAMFS_REVISION)}`,
    ),
    "packing the L1 and L2 initramfs images",
    progress,
    async (tmp) => {
      const busybox = await debianPackage("busybox-static", "arm64", progress);
      for (const [name, init, modules] of [
        ["l1", l1, L1_EARLY_MODULES],
        ["l2", L2_INIT, L2_MODULES],
      ] as const) {
        const stage = join(tmp, `${name}-root`);
        await mkdir(join(stage, "bin"), { recursive: true });
        await copyFile(join(busybox.root, "bin/busybox"), join(stage, "bin/busybox"));
        await chmod(join(stage, "bin/busybox"), 0o755);
        await symlink("busybox", join(stage, "bin/sh"));
        await writeFile(join(stage, "init"), init, { mode: 0o755 });
        await copyModules(kernel, await moduleClosure(kernel, [...modules]), stage);
        await pack(stage, join(tmp, `${name}.cpio.gz`));
        await execa("rm", ["-rf", stage]);
      }
    },
  );
  return { l1: join(dir, "l1.cpio.gz"), l2: join(dir, "l2.cpio.gz") };
}

async function pack(stage: string, out: string): Promise<void> {
  await execa("sh", [
    "-c",
    'cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6 > "$2"',
    "pack",
    stage,
    out,
  ]);
}
