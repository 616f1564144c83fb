/**
 * The iommufd path's fd handoff, end to end through the launcher's real spawn (setpriv
 * included): the files platpass opens arrive in the child at exactly the numbers the plan's
 * argv names. The child is a script that reports its fds.
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHandoff } from "../../../src/launch/handoff.js";
import { handoffFds } from "../../../src/plan/qemu-args.js";
import { startQemu } from "../../../src/qemu/launcher.js";
import {
  type HandoffTree,
  handoffTree,
  located,
  TPM,
  VIRTIO,
} from "../../unit/launch/handoff-tree.js";

let tree: HandoffTree;
beforeAll(async () => {
  tree = await handoffTree();
  // Stands in for QEMU: prints what it holds at fds 3-5, ignoring the QMP/trace arguments.
  await writeFile(
    join(tree.root, "child.sh"),
    '#!/bin/sh\nfor n in 3 4 5; do echo "fd$n=$(cat <&$n)"; done >&2\n',
    { mode: 0o755 },
  );
});
afterAll(() => rm(tree.root, { recursive: true, force: true }));

describe("the iommufd fd handoff", () => {
  it("gives the child /dev/iommu at fd 3 and each device's cdev after it, in planned order", async () => {
    const { root, roots } = tree;
    const planned = handoffFds(
      [
        { qemuDevice: "vfio-platform", host: TPM, id: "platpass0", fd: 4 },
        { qemuDevice: "vfio-platform", host: VIRTIO, id: "platpass1", fd: 5 },
      ],
      "iommufd",
    );
    const handoff = openHandoff(planned, await located(planned, roots), roots.dev);
    expect(handoff.files).toEqual([
      { fd: 3, path: join(roots.dev, "iommu") },
      { fd: 4, path: join(roots.dev, "vfio/devices/vfio0") },
      { fd: 5, path: join(roots.dev, "vfio/devices/vfio1") },
    ]);
    const child = startQemu({
      binary: join(root, "child.sh"),
      argv: [],
      qmpSocket: join(root, "qmp.sock"),
      passFds: handoff.fds,
    });
    handoff.close();
    expect(handoff.fds).toEqual([]);
    await child.exited;
    expect(child.messages).toEqual([
      "fd3=the iommufd",
      `fd4=cdev of ${TPM}`,
      `fd5=cdev of ${VIRTIO}`,
    ]);
  });
});
