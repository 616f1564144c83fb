/**
 * The kernel modules Debian's arm64 kernels lack or ship broken (testbed.md), built out of
 * tree against Debian's own headers with the cross compiler.
 *
 * 6.1: vfio (with no-IOMMU support), vfio_virqfd, vfio_iommu_type1, vfio-platform-base,
 * vfio-platform and vfio-amba (Debian builds VFIO without platform/amba/noiommu); tpm_tis
 * (not built by Debian) and tpm_tis_core (interrupt self-test fixed).
 *
 * 6.12: the same, plus iommufd (Debian builds no CONFIG_IOMMUFD) and vfio with VFIO device
 * cdevs (CONFIG_VFIO_DEVICE_CDEV, which needs iommufd). The iommu core exports what iommufd
 * needs unconditionally (namespace IOMMUFD_INTERNAL); the interval-tree span iterator it
 * also needs is not in Debian's kernel (CONFIG_INTERVAL_TREE_SPAN_ITER unset), so its code
 * is compiled into iommufd.ko. virqfd is inside vfio.ko on 6.12 (CONFIG_VFIO_VIRQFD=y).
 *
 * The headers tree is the arm64 headers, the common headers and the amd64 kbuild tools
 * copied side by side, which is how Debian lays them out under /usr.
 */
import { copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { type Arm64KernelLine, debianPackage } from "../env/debian.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { EnvironmentError } from "../errors.js";
import {
  applyPatches,
  SOURCE_PATCHES_6_1,
  SOURCE_PATCHES_6_12,
  type SourcePatch,
} from "./patches.js";

/** One directory of the source tree built with `make M=…`, and the modules it yields. */
export interface ModuleDir {
  /** Path inside the kernel source tree. */
  dir: string;
  /** Written as the directory's Kbuild (which kbuild prefers over its Makefile). */
  kbuild: string;
  modules: readonly string[];
}

export interface ModulesRecipe {
  line: Arm64KernelLine;
  /** Paths taken out of linux-source-<line>. */
  extract: readonly string[];
  patches: readonly SourcePatch[];
  /** Built in order; each directory links against the exports of the ones before it. */
  dirs: readonly ModuleDir[];
  /** The step's directory name: modules-<digest of what decides the result>. */
  step: string;
}

const VFIO_KBUILD_6_1 = `# Written by platpass (src/bed/modules.ts): Debian's config lacks these options.
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

/** Written beside iommufd's sources, from lib/interval_tree.c (spanIteratorSource()). */
export const SPAN_ITERATOR_FILE = "interval_tree_span.c";

const IOMMUFD_KBUILD_6_12 = `# Written by platpass (src/bed/modules.ts): Debian builds no CONFIG_IOMMUFD.
ccflags-y += -DCONFIG_IOMMUFD_MODULE=1
obj-m += iommufd.o
iommufd-y := device.o fault.o hw_pagetable.o io_pagetable.o ioas.o main.o pages.o vfio_compat.o ${SPAN_ITERATOR_FILE.replace(/\.c$/, ".o")}
`;

const VFIO_KBUILD_6_12 = `# Written by platpass (src/bed/modules.ts): Debian's config lacks these options.
ccflags-y += -DCONFIG_VFIO_NOIOMMU=1 -DCONFIG_VFIO_DEVICE_CDEV=1 -DCONFIG_IOMMUFD_MODULE=1 -DCONFIG_VFIO_PLATFORM_BASE_MODULE=1 -DCONFIG_VFIO_PLATFORM_MODULE=1 -DCONFIG_VFIO_AMBA_MODULE=1
obj-m += vfio.o vfio_iommu_type1.o
vfio-y := vfio_main.o group.o container.o virqfd.o device_cdev.o iommufd.o
obj-m += vfio-platform-base.o vfio-platform.o vfio-amba.o
vfio-platform-base-y := platform/vfio_platform_common.o platform/vfio_platform_irq.o
vfio-platform-y := platform/vfio_platform.o
vfio-amba-y := platform/vfio_amba.o
`;

const VFIO_PLATFORM_MODULES = ["vfio-platform-base", "vfio-platform", "vfio-amba"];
const TPM_MODULES = ["tpm_tis_core", "tpm_tis"];

/**
 * 6.1's step name is the digest of exactly these values, in this order: it names the
 * cached modules of every existing 6.1 bed, so it must not change with the code around it.
 */
const BUILT_MODULES_6_1 = [
  "vfio",
  "vfio_virqfd",
  "vfio_iommu_type1",
  ...VFIO_PLATFORM_MODULES,
  ...TPM_MODULES,
];

const SPAN_ITERATOR_BEGIN = "#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER\n";
const SPAN_ITERATOR_END = "#endif\n";

export const MODULES_RECIPES: Record<Arm64KernelLine, ModulesRecipe> = {
  "6.1": {
    line: "6.1",
    extract: ["drivers/vfio", "drivers/char/tpm"],
    patches: SOURCE_PATCHES_6_1,
    dirs: [
      {
        dir: "drivers/vfio",
        kbuild: VFIO_KBUILD_6_1,
        modules: ["vfio", "vfio_virqfd", "vfio_iommu_type1", ...VFIO_PLATFORM_MODULES],
      },
      { dir: "drivers/char/tpm", kbuild: TPM_KBUILD, modules: TPM_MODULES },
    ],
    step: `modules-${recipeDigest(SOURCE_PATCHES_6_1, VFIO_KBUILD_6_1, TPM_KBUILD, BUILT_MODULES_6_1)}`,
  },
  "6.12": {
    line: "6.12",
    // iommufd includes ../iommu-priv.h, hence all of drivers/iommu.
    extract: ["drivers/iommu", "drivers/vfio", "drivers/char/tpm", "lib/interval_tree.c"],
    patches: SOURCE_PATCHES_6_12,
    dirs: [
      { dir: "drivers/iommu/iommufd", kbuild: IOMMUFD_KBUILD_6_12, modules: ["iommufd"] },
      {
        dir: "drivers/vfio",
        kbuild: VFIO_KBUILD_6_12,
        modules: ["vfio", "vfio_iommu_type1", ...VFIO_PLATFORM_MODULES],
      },
      { dir: "drivers/char/tpm", kbuild: TPM_KBUILD, modules: TPM_MODULES },
    ],
    step: `modules-${recipeDigest(
      "6.12",
      SOURCE_PATCHES_6_12,
      IOMMUFD_KBUILD_6_12,
      VFIO_KBUILD_6_12,
      TPM_KBUILD,
      SPAN_ITERATOR_BEGIN,
      SPAN_ITERATOR_END,
    )}`,
  },
};

/** Every module a recipe builds, in build order. */
export function builtModules(recipe: ModulesRecipe): string[] {
  return recipe.dirs.flatMap((d) => [...d.modules]);
}

/**
 * The span-iterator half of lib/interval_tree.c as a file of its own: the code between its
 * `#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER` and the file's last `#endif`, without the
 * EXPORT_SYMBOL_GPL lines (iommufd is its only user, and a module exporting lib/ symbols
 * would collide with a kernel that someday has them). The block must be there exactly once.
 */
export function spanIteratorSource(intervalTreeC: string, where: string): string {
  const begin = intervalTreeC.indexOf(SPAN_ITERATOR_BEGIN);
  const end = intervalTreeC.lastIndexOf(SPAN_ITERATOR_END);
  if (begin < 0 || intervalTreeC.indexOf(SPAN_ITERATOR_BEGIN, begin + 1) >= 0 || end < begin) {
    throw new EnvironmentError(
      "BED_PATCH_MISMATCH",
      "lib/interval_tree.c has no single CONFIG_INTERVAL_TREE_SPAN_ITER block to build into iommufd",
      {
        where,
        hint: "The Debian kernel source changed; revisit spanIteratorSource() in src/bed/modules.ts.",
      },
    );
  }
  const body = intervalTreeC
    .slice(begin + SPAN_ITERATOR_BEGIN.length, end)
    .split("\n")
    .filter((l) => !/^EXPORT_SYMBOL_GPL\(/.test(l))
    .join("\n");
  return `// Written by platpass (src/bed/modules.ts) from lib/interval_tree.c: Debian's kernel lacks CONFIG_INTERVAL_TREE_SPAN_ITER.\n#include <linux/interval_tree.h>\n${body}`;
}

/** Debian's amd64 kbuild tools for the line: one package per line on 6.1, per ABI on 6.12. */
export function kbuildPackage(line: Arm64KernelLine, abi: string): string {
  return line === "6.1" ? "linux-kbuild-6.1" : `linux-kbuild-${abi.replace(/-arm64$/, "")}`;
}

/** Builds the modules (flat, one .ko per module, debug info stripped); returns their directory. */
export async function buildModules(
  cacheDir: string,
  abi: string,
  recipe: ModulesRecipe,
  progress: Progress,
): Promise<string> {
  const sourcePackage = `linux-source-${recipe.line}`;
  return cachedStep(
    join(cacheDir, recipe.step),
    `cross-building ${builtModules(recipe).join(", ")}`,
    progress,
    async (tmp) => {
      const common = abi.replace(/-arm64$/, "-common");
      const [headers, commonHeaders, kbuild, source] = await Promise.all([
        debianPackage(`linux-headers-${abi}`, "arm64", progress),
        debianPackage(`linux-headers-${common}`, "all", progress),
        debianPackage(kbuildPackage(recipe.line, abi), "amd64", progress),
        debianPackage(sourcePackage, "all", progress),
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
      // 6.12's headers carry vmlinux's BTF so modules get BTF too, which needs pahole;
      // without vmlinux kbuild skips that step, and nothing here reads module BTF.
      await rm(join(headersDir, "vmlinux"), { force: true });

      const src = join(tmp, "src");
      await mkdir(src);
      const tarball = (await readdir(join(source.root, "usr/src"))).find((f) =>
        f.startsWith(`${sourcePackage}.tar`),
      );
      if (!tarball) {
        throw new EnvironmentError("BED_NO_KERNEL_SOURCE", `${sourcePackage} holds no tarball`, {
          where: source.root,
        });
      }
      progress(`bed: extracting ${recipe.extract.join(", ")} from the kernel source`);
      await execa(
        "tar",
        [
          "-xf",
          join(source.root, "usr/src", tarball),
          "--strip-components=1",
          ...recipe.extract.map((p) => `${sourcePackage}/${p}`),
        ],
        { cwd: src },
      );
      await applyPatches(src, recipe.patches);
      if (recipe.extract.includes("lib/interval_tree.c")) {
        const from = join(src, "lib/interval_tree.c");
        await writeFile(
          join(src, "drivers/iommu/iommufd", SPAN_ITERATOR_FILE),
          spanIteratorSource(await readFile(from, "utf8"), from),
        );
      }

      const symvers: string[] = [];
      for (const d of recipe.dirs) {
        const m = join(src, d.dir);
        await writeFile(join(m, "Kbuild"), d.kbuild);
        progress(`bed: make modules M=${d.dir}`);
        const r = await execa(
          "make",
          [
            "-C",
            headersDir,
            `M=${m}`,
            "ARCH=arm64",
            "CROSS_COMPILE=aarch64-linux-gnu-",
            ...(symvers.length ? [`KBUILD_EXTRA_SYMBOLS=${symvers.join(" ")}`] : []),
            "-j2",
            "modules",
          ],
          { reject: false, all: true },
        );
        if (r.exitCode !== 0) {
          throw new EnvironmentError(
            "BED_MODULE_BUILD_FAILED",
            `building the modules in ${d.dir} failed`,
            {
              hint: `Is the aarch64 cross compiler installed ('platpass provision --for bed')? make said: ${r.all?.split("\n").slice(-8).join("\n")}`,
            },
          );
        }
        symvers.push(join(m, "Module.symvers"));
      }
      const out = join(tmp, "out");
      await mkdir(out);
      for (const d of recipe.dirs) {
        for (const name of d.modules) {
          await copyFile(join(src, d.dir, `${name}.ko`), join(out, `${name}.ko`));
          await execa("aarch64-linux-gnu-strip", ["--strip-debug", join(out, `${name}.ko`)]);
        }
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
