/**
 * The live DT read two ways must be one tree: through Sysfs file by file, and by the native
 * addon's readTree in one call (what a live host uses where the addon is loaded). On the
 * captured sysfs tree and on a copy with the cases the fixture lacks: an empty property, a
 * property larger than a read chunk, and deep nesting.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeDtb } from "../../../src/fdt/index.js";
import { LIVE_DT, readLiveDt } from "../../../src/host/live/livedt.js";
import { Sysfs } from "../../../src/host/live/sysfs.js";
import { loadAddon } from "../../../src/vfio/load.js";

const captured = new URL("./fixtures/sysfs-virt", import.meta.url).pathname;
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

function readTree() {
  const addon = loadAddon();
  if (!addon.ok) {
    throw new Error(`the native addon did not load: ${JSON.stringify(addon.attempts)}`);
  }
  const read = addon.native.readTree;
  if (!read) throw new Error(`the addon at ${addon.path} has no readTree: rebuild it`);
  return (path: string) => read.call(addon.native, path);
}

async function bothWays(root: string) {
  const sysfs = new Sysfs(root);
  const js = await readLiveDt(sysfs);
  const native = await readLiveDt(sysfs, readTree());
  if (!js || !native) throw new Error(`no live DT under ${root}`);
  return { js: Buffer.from(writeDtb(js)), native: Buffer.from(writeDtb(native)) };
}

describe("the live DT, read through Sysfs and by the addon's readTree", () => {
  it("is the same tree on the captured emulated host", async () => {
    const { js, native } = await bothWays(captured);
    expect(native.equals(js)).toBe(true);
    expect(js.length).toBeGreaterThan(1000);
  });

  it("is the same with empty, large and deeply nested properties", async () => {
    const root = await mkdtemp(join(tmpdir(), "platpass-livedt-"));
    temps.push(root);
    await cp(captured, root, { recursive: true });
    const base = join(root, LIVE_DT);
    await writeFile(join(base, "empty-property"), new Uint8Array());
    await writeFile(join(base, "large-property"), Buffer.alloc(10_000, 0xa5));
    let deep = base;
    for (let i = 0; i < 20; i++) deep = join(deep, `level@${i}`);
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, "compatible"), "acme,deep\0");
    const { js, native } = await bothWays(root);
    expect(native.equals(js)).toBe(true);
  });
});
