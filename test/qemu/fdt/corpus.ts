/**
 * The oracle corpus: every DTB in Debian's arm64 kernel package plus QEMU `virt` dumps across
 * GIC versions, virtualization, SMMUv3, CPU counts and memory sizes. Downloads are cached by
 * src/bed/debian.ts; dumps are made fresh into a temporary directory.
 */
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { execa } from "execa";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";

export interface CorpusFile {
  /** Shown in test names: "debian:arm/juno.dtb", "qemu:gic3-virton-smmuv3-smp4-2G". */
  label: string;
  path: string;
}

async function dtbsUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".dtb"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export async function debianDtbs(): Promise<CorpusFile[]> {
  const pkg = await debianPackage(`linux-image-${await newestArm64KernelAbi()}`, "arm64");
  const lib = join(pkg.root, "usr", "lib");
  const kernels = (await readdir(lib)).filter((d) => d.startsWith("linux-image-"));
  const files = (await Promise.all(kernels.map((k) => dtbsUnder(join(lib, k))))).flat();
  return files.map((path) => ({
    label: `debian:${relative(lib, path).replace(/^[^/]+\//, "")}`,
    path,
  }));
}

export const QEMU_VARIANTS = (() => {
  const out: { gic: 2 | 3; virtualization: boolean; smmu: boolean; smp: number; mem: string }[] =
    [];
  for (const gic of [2, 3] as const) {
    for (const virtualization of [false, true]) {
      for (const smmu of [false, true]) {
        for (const [smp, mem] of [
          [1, "512M"],
          [4, "2G"],
          [8, "4G"],
        ] as const) {
          out.push({ gic, virtualization, smmu, smp, mem });
        }
      }
    }
  }
  return out;
})();

/** Dumps QEMU's DTB for every variant into `dir`, two QEMUs at a time. */
export async function qemuDumps(dir: string): Promise<CorpusFile[]> {
  const jobs = QEMU_VARIANTS.map((v) => {
    const label = `gic${v.gic}-virt${v.virtualization ? "on" : "off"}${v.smmu ? "-smmuv3" : ""}-smp${v.smp}-${v.mem}`;
    const path = join(dir, `${label}.dtb`);
    const machine = [
      "virt",
      `gic-version=${v.gic}`,
      `virtualization=${v.virtualization ? "on" : "off"}`,
      ...(v.smmu ? ["iommu=smmuv3"] : []),
      `dumpdtb=${path}`,
    ].join(",");
    const argv = ["-M", machine, "-cpu", "max", "-smp", String(v.smp), "-m", v.mem, "-nographic"];
    return { file: { label: `qemu:${label}`, path }, argv };
  });
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      await execa("qemu-system-aarch64", job.argv, { timeout: 120_000 });
    }
  };
  await Promise.all([worker(), worker()]);
  return jobs.map((j) => j.file);
}
