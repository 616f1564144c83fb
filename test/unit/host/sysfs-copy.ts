import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sysfs } from "../../../src/host/live/sysfs.js";

const captured = new URL("./fixtures/sysfs-virt", import.meta.url).pathname;

/** A writable copy of the captured sysfs tree and an empty state dir, for tests that bind. */
export interface SysfsCopy {
  root: string;
  state: string;
  sysfs: Sysfs;
  remove(): Promise<void>;
}

export async function copySysfs(): Promise<SysfsCopy> {
  const root = await mkdtemp(join(tmpdir(), "platpass-sysfs-"));
  const state = await mkdtemp(join(tmpdir(), "platpass-state-"));
  await cp(captured, root, { recursive: true, verbatimSymlinks: true });
  return {
    root,
    state,
    sysfs: new Sysfs(root),
    async remove() {
      await rm(root, { recursive: true, force: true });
      await rm(state, { recursive: true, force: true });
    },
  };
}
