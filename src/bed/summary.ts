/** What `platpass bed build` reports: versions and on-disk sizes of the cached assets. */
import { execa } from "execa";
import type { BedAssets } from "./assets.js";

export interface BedSummary {
  key: string;
  dir: string;
  kernel: { line: string; abi: string; version: string };
  node: string;
  userland: string;
  modules: string[];
  sizes: Record<string, number>;
  l2: { kernel: string; initramfs: string; qemu?: string };
}

async function bytes(path: string): Promise<number> {
  const r = await execa("du", ["-sbL", path], { reject: false });
  return Number(r.stdout.split(/\s/)[0] ?? 0);
}

export async function summarizeBed(a: BedAssets): Promise<BedSummary> {
  const parts: Record<string, string> = {
    kernel: a.kernel.vmlinuz,
    modules: a.kernel.modulesRoot,
    l1Initramfs: a.l1Initramfs,
    l2Initramfs: a.l2.initramfs,
    userland: a.userland.root,
    node: a.node.root,
  };
  const sizes: Record<string, number> = {};
  for (const [name, path] of Object.entries(parts)) sizes[name] = await bytes(path);
  return {
    key: a.key,
    dir: a.dir,
    kernel: { line: a.kernel.line, abi: a.kernel.abi, version: a.kernel.version },
    node: a.node.version,
    userland: `Debian ${a.userland.suite} arm64`,
    modules: a.modules.names,
    sizes,
    l2: a.l2.inL1,
  };
}
