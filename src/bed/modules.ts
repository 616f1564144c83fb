/**
 * The kernel modules Debian's arm64 6.1 kernel lacks or ships broken (testbed.md), built
 * out of tree against Debian's own headers with the cross compiler:
 * - vfio (with no-IOMMU support), vfio_virqfd, vfio_iommu_type1, vfio-platform-base,
 *   vfio-platform and vfio-amba: Debian builds VFIO without platform/amba/noiommu;
 * - tpm_tis (not built by Debian) and tpm_tis_core (interrupt self-test fixed).
 * The headers tree is the arm64 headers, the common headers and the amd64 kbuild tools
 * copied side by side, which is how Debian lays them out under /usr.
 */
import { copyFile, cp, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { debianPackage } from "../env/debian.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { EnvironmentError } from "../errors.js";
import { applyPatches, SOURCE_PATCHES } from "./patches.js";

export const BUILT_MODULES = [
  "vfio",
  "vfio_virqfd",
  "vfio_iommu_type1",
  "vfio-platform-base",
  "vfio-platform",
  "vfio-amba",
  "tpm_tis_core",
  "tpm_tis",
] as const;

const VFIO_KBUILD = `# Written by platpass (src/bed/modules.ts): Debian's config lacks these options.
ccflags-y += -DCONFIG_VFIO_NOIOMMU=1 -DCONFIG_VFIO_PLATFORM_MODULE=1 -DCONFIG_VFIO_AMBA_MODULE=1
obj-m += vfio.o vfio_virqfd.o vfio_iommu_type1.o
vfio-y := vfio_main.o iova_bitmap.o container.o
vfio_virqfd-y := virqfd.o
obj-m += vfio-platform-base.o vfio-platform.o vfio-amba.o
vfio-platform-base-y := platform/vfio_platform_common.o platform/vfio_platform_irq.o
vfio-platform-y := platform/vfio_platform.o
vfio-amba-y := platform/vfio_amba.o
`;

const TPM_KBUILD = `# Written by platpass (src/bed/modules.ts): Debian does not build tpm_tis.
ccflags-y += -DCONFIG_TCG_TIS_MODULE=1 -DCONFIG_TCG_TIS_CORE_MODULE=1
obj-m += tpm_tis_core.o tpm_tis.o
`;

export const MODULES_RECIPE = recipeDigest(SOURCE_PATCHES, VFIO_KBUILD, TPM_KBUILD, BUILT_MODULES);

/** Builds the modules (flat, one .ko per module, debug info stripped); returns their directory. */
export async function buildModules(
  cacheDir: string,
  abi: string,
  progress: Progress,
): Promise<string> {
  return cachedStep(
    join(cacheDir, `modules-${MODULES_RECIPE}`),
    "cross-building vfio-platform and tpm_tis modules",
    progress,
    async (tmp) => {
      const common = abi.replace(/-arm64$/, "-common");
      const [headers, commonHeaders, kbuild, source] = await Promise.all([
        debianPackage(`linux-headers-${abi}`, "arm64", progress),
        debianPackage(`linux-headers-${common}`, "all", progress),
        debianPackage("linux-kbuild-6.1", "amd64", progress),
        debianPackage("linux-source-6.1", "all", progress),
      ]);
      const tree = join(tmp, "tree");
      for (const pkg of [headers, commonHeaders, kbuild]) {
        await cp(pkg.root, tree, { recursive: true, verbatimSymlinks: true });
      }
      const headersDir = join(tree, "usr/src", `linux-headers-${abi}`);
      await writeFile(
        join(headersDir, "Makefile"),
        `include ${join(tree, "usr/src", `linux-headers-${common}`, "Makefile")}\n`,
      );

      const src = join(tmp, "src");
      await mkdir(src);
      const tarball = (await readdir(join(source.root, "usr/src"))).find((f) =>
        f.startsWith("linux-source-6.1.tar"),
      );
      if (!tarball) {
        throw new EnvironmentError("BED_NO_KERNEL_SOURCE", "linux-source-6.1 holds no tarball", {
          where: source.root,
        });
      }
      progress("bed: extracting drivers/vfio and drivers/char/tpm from the kernel source");
      await execa(
        "tar",
        [
          "-xf",
          join(source.root, "usr/src", tarball),
          "--strip-components=1",
          "linux-source-6.1/drivers/vfio",
          "linux-source-6.1/drivers/char/tpm",
        ],
        { cwd: src },
      );
      await applyPatches(src);
      const vfioDir = join(src, "drivers/vfio");
      const tpmDir = join(src, "drivers/char/tpm");
      await writeFile(join(vfioDir, "Kbuild"), VFIO_KBUILD);
      await writeFile(join(tpmDir, "Kbuild"), TPM_KBUILD);

      for (const m of [vfioDir, tpmDir]) {
        progress(`bed: make modules M=${m.slice(src.length + 1)}`);
        const r = await execa(
          "make",
          [
            "-C",
            headersDir,
            `M=${m}`,
            "ARCH=arm64",
            "CROSS_COMPILE=aarch64-linux-gnu-",
            "-j2",
            "modules",
          ],
          { reject: false, all: true },
        );
        if (r.exitCode !== 0) {
          throw new EnvironmentError(
            "BED_MODULE_BUILD_FAILED",
            `building the modules in ${m} failed`,
            {
              hint: `Is the aarch64 cross compiler installed ('platpass provision --for bed')? make said: ${r.all?.split("\n").slice(-8).join("\n")}`,
            },
          );
        }
      }
      const out = join(tmp, "out");
      await mkdir(out);
      for (const name of BUILT_MODULES) {
        const from = join(name.startsWith("tpm") ? tpmDir : vfioDir, `${name}.ko`);
        await copyFile(from, join(out, `${name}.ko`));
        await execa("aarch64-linux-gnu-strip", ["--strip-debug", join(out, `${name}.ko`)]);
      }
      // Only the modules stay in the cache; headers and sources are cheap to recreate.
      for (const name of await readdir(tmp)) {
        if (name !== "out") await execa("rm", ["-rf", join(tmp, name)]);
      }
      for (const name of await readdir(out)) await execa("mv", [join(out, name), tmp]);
      await execa("rmdir", [out]);
    },
  );
}
