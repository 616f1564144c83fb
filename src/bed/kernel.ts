/**
 * The kernel both L1 and L2 boot (Debian's newest arm64 image of the chosen line, 6.1 or
 * 6.12) and its module tree with the bed's own modules added under `updates/` (which depmod
 * prefers over `kernel/`), so `modprobe vfio` inside L1 loads the no-IOMMU-capable build
 * (on 6.12 also with device cdevs, pulling in iommufd) and `modprobe tpm_tis` the fixed
 * interrupt self-test.
 */
import { copyFile, cp, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { type Arm64KernelLine, debianPackage } from "../env/debian.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { EnvironmentError } from "../errors.js";

export interface BedKernel {
  line: Arm64KernelLine;
  abi: string;
  /** Debian package version of the image, e.g. "6.1.192-2". */
  version: string;
  vmlinuz: string;
  /** A root holding lib/modules/<abi> with modules.dep. */
  modulesRoot: string;
}

export async function bedKernel(
  cacheDir: string,
  line: Arm64KernelLine,
  abi: string,
  builtModules: string,
  progress: Progress,
): Promise<BedKernel> {
  const image = await debianPackage(`linux-image-${abi}`, "arm64", progress);
  const modulesRoot = await cachedStep(
    join(cacheDir, `kernel-modules-${recipeDigest(image.version, builtModules)}`),
    "assembling the kernel module tree (depmod)",
    progress,
    async (tmp) => {
      const tree = join(tmp, "lib/modules", abi);
      await mkdir(join(tmp, "lib/modules"), { recursive: true });
      // Hard links: the stock tree is 300 MB and never modified.
      await execa("cp", ["-al", join(image.root, "lib/modules", abi), tree]);
      const updates = join(tree, "updates/platpass");
      await mkdir(updates, { recursive: true });
      for (const f of await readdir(builtModules)) {
        await copyFile(join(builtModules, f), join(updates, f));
      }
      await execa("depmod", ["-b", tmp, abi]);
    },
  );
  return {
    line,
    abi,
    version: image.version,
    vmlinuz: join(image.root, "boot", `vmlinuz-${abi}`),
    modulesRoot,
  };
}

/** The named modules and everything they depend on, as paths relative to lib/modules/<abi>. */
export async function moduleClosure(kernel: BedKernel, names: string[]): Promise<string[]> {
  const tree = join(kernel.modulesRoot, "lib/modules", kernel.abi);
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of (await readFile(join(tree, "modules.dep"), "utf8")).split("\n")) {
    const [path, rest] = line.split(":");
    if (!path) continue;
    deps.set(path, (rest ?? "").trim().split(/\s+/).filter(Boolean));
    byName.set(moduleName(path), path);
  }
  const out = new Set<string>();
  const visit = (path: string) => {
    if (out.has(path)) return;
    out.add(path);
    for (const d of deps.get(path) ?? []) visit(d);
  };
  for (const name of names) {
    const path = byName.get(name.replace(/-/g, "_"));
    if (!path) {
      throw new EnvironmentError("BED_NO_MODULE", `module ${name} is not in modules.dep`, {
        where: tree,
      });
    }
    visit(path);
  }
  return [...out];
}

function moduleName(path: string): string {
  return path
    .slice(path.lastIndexOf("/") + 1)
    .replace(/\.ko(\.xz|\.gz|\.zst)?$/, "")
    .replace(/-/g, "_");
}

/** Copies the modules (and the module index files) into `root`/lib/modules/<abi>. */
export async function copyModules(kernel: BedKernel, paths: string[], root: string): Promise<void> {
  const from = join(kernel.modulesRoot, "lib/modules", kernel.abi);
  const to = join(root, "lib/modules", kernel.abi);
  for (const p of paths) {
    await mkdir(join(to, p, ".."), { recursive: true });
    await copyFile(join(from, p), join(to, p));
  }
  for (const f of await readdir(from)) {
    if (f.startsWith("modules.")) await cp(join(from, f), join(to, f));
  }
}
