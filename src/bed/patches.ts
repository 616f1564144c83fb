/**
 * The source fixes the bed's out-of-tree modules need (testbed.md): three on Linux 6.1, one
 * on 6.12, where the other two are upstream. Each is a literal edit that must match exactly
 * once, so a kernel update that changes the code stops the build with a clear error
 * instead of building an unfixed module.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EnvironmentError } from "../errors.js";

export interface SourcePatch {
  /** Path inside the kernel source tree. */
  file: string;
  why: string;
  find: string;
  replace: string;
}

/** Upstream by 6.12: its vfio_platform_common.c already has the braces and the `return 0`. */
const VFIO_PLATFORM_RESET_FIX: SourcePatch = {
  file: "drivers/vfio/platform/vfio_platform_common.c",
  why: "with reset_required=0 a device without a reset module must still bind; 6.1 returns the reset lookup's -ENOENT anyway (fixed upstream in 168a9c91fe0a)",
  find: [
    "\tret = vfio_platform_get_reset(vdev);",
    "\tif (ret && vdev->reset_required)",
    '\t\tdev_err(dev, "No reset function found for device %s\\n",',
    "\t\t\tvdev->name);",
    "\treturn ret;",
  ].join("\n"),
  replace: [
    "\tret = vfio_platform_get_reset(vdev);",
    "\tif (ret && vdev->reset_required) {",
    '\t\tdev_err(dev, "No reset function found for device %s\\n",',
    "\t\t\tvdev->name);",
    "\t\treturn ret;",
    "\t}",
    "\treturn 0;",
  ].join("\n"),
};

/** Upstream by 6.12: its tpm_tis_gen_interrupt() sets the flag before generating the interrupt. */
const TPM_IRQ_FLAG_FIX: SourcePatch = {
  file: "drivers/char/tpm/tpm_tis_core.c",
  why: "the interrupt self-test never sets TPM_CHIP_FLAG_IRQ before generating its interrupt, so tpm_tis_send() never waits for it and the driver always falls back to polling",
  find: "\tclear_bit(TPM_TIS_IRQ_TESTED, &priv->flags);\n",
  replace: "\tclear_bit(TPM_TIS_IRQ_TESTED, &priv->flags);\n\tchip->flags |= TPM_CHIP_FLAG_IRQ;\n",
};

/** Still needed on 6.12: tpm_tis_send() still gives the interrupt 1 ms. */
const TPM_IRQ_WAIT_FIX: SourcePatch = {
  file: "drivers/char/tpm/tpm_tis_core.c",
  why: "the self-test gives the interrupt 1 ms to arrive; an emulated CPU on a busy machine (or a nested guest whose interrupt QEMU injects from user space) often needs longer, so wait up to 2 s in 1 ms steps before falling back to polling (200 ms still lost the race under load, in a nested guest)",
  find: "\tif (!test_bit(TPM_TIS_IRQ_TESTED, &priv->flags))\n\t\ttpm_msleep(1);\n",
  replace: [
    "\t{",
    "\t\tint waited;",
    "",
    "\t\tfor (waited = 0; waited < 2000 &&",
    "\t\t     !test_bit(TPM_TIS_IRQ_TESTED, &priv->flags); waited++)",
    "\t\t\ttpm_msleep(1);",
    "\t}",
    "",
  ].join("\n"),
};

export const SOURCE_PATCHES_6_1: readonly SourcePatch[] = [
  VFIO_PLATFORM_RESET_FIX,
  TPM_IRQ_FLAG_FIX,
  TPM_IRQ_WAIT_FIX,
];
export const SOURCE_PATCHES_6_12: readonly SourcePatch[] = [TPM_IRQ_WAIT_FIX];

export async function applyPatches(
  sourceRoot: string,
  patches: readonly SourcePatch[],
): Promise<void> {
  for (const p of patches) {
    const path = join(sourceRoot, p.file);
    const text = await readFile(path, "utf8");
    const count = text.split(p.find).length - 1;
    if (count !== 1) {
      throw new EnvironmentError(
        "BED_PATCH_MISMATCH",
        `the kernel source fix for ${p.file} matches ${count} places instead of exactly one`,
        {
          where: path,
          hint: `The Debian kernel source changed; the fix (${p.why}) needs revisiting in src/bed/patches.ts.`,
        },
      );
    }
    await writeFile(path, text.replace(p.find, p.replace));
  }
}
