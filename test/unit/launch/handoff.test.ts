/** The iommufd fd handoff refuses before opening anything a device without a VFIO cdev. */
import { readdir, rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHandoff } from "../../../src/launch/handoff.js";
import { handoffFds } from "../../../src/plan/qemu-args.js";
import { type HandoffTree, handoffTree, located, PL011, TPM } from "./handoff-tree.js";

let tree: HandoffTree;
beforeAll(async () => {
  tree = await handoffTree();
});
afterAll(() => rm(tree.root, { recursive: true, force: true }));

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("the iommufd fd handoff", () => {
  it("refuses a device without a VFIO cdev, naming the legacy path, and leaves nothing open", async () => {
    const planned = handoffFds(
      [
        { qemuDevice: "vfio-platform", host: TPM, id: "platpass0", fd: 4 },
        { qemuDevice: "vfio-platform", host: PL011, id: "platpass1", fd: 5 },
      ],
      "iommufd",
    );
    const openFiles = async () => (await readdir("/proc/self/fd")).length;
    const before = await openFiles();
    const locations = await located(planned, tree.roots);
    const error = catching(() => openHandoff(planned, locations, tree.roots.dev));
    expect(await openFiles()).toBe(before);
    expect(error).toMatchObject({
      code: "HOST_NO_VFIO_CDEV",
      message: "9000000.pl011 is bound to vfio-platform but has no VFIO device cdev",
    });
    expect((error as { hint: string }).hint).toMatch(/qemu\.vfioBackend to "legacy"/);
  });
});
