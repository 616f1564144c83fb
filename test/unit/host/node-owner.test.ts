/**
 * Lending /dev/vfio/N to QEMU's user: the record is durable before the chown, the node gets
 * its owner and mode back from the record, and `restore` does that after a dead launch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  LENT_MODE,
  lendNodes,
  type NodeFs,
  type NodeRecord,
  returnNode,
  scanNodeRecords,
} from "../../../src/host/bind/node-owner.js";
import { restoreHost } from "../../../src/host/bind/restore.js";
import { GONE_PID } from "./owners.js";

const NODE = "/dev/vfio/1";
const QEMU = { uid: 998, gid: 997 };

/** One character device, as the kernel makes it; every call is recorded with what STATE held then. */
function fakeNode(state: string, rdev = 0xf100) {
  const node = { uid: 0, gid: 0, mode: 0o20600, rdev };
  const calls: { call: string; record: unknown }[] = [];
  const recordNow = () => {
    const file = join(state, "nodes", "1.json");
    return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
  };
  const fs: NodeFs = {
    lstat: () => ({ ...node, isChar: true }),
    chown: (_p, uid, gid) => {
      calls.push({ call: `chown ${uid}:${gid}`, record: recordNow() });
      Object.assign(node, { uid, gid });
    },
    chmod: (_p, mode) => {
      calls.push({ call: `chmod 0${mode.toString(8)}`, record: recordNow() });
      node.mode = (node.mode & ~0o7777) | mode;
    },
  };
  return { node, calls, fs };
}

describe("lending a VFIO group node", () => {
  let state: string;
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), "platpass-nodes-"));
  });
  afterEach(() => rm(state, { recursive: true, force: true }));

  it("journals the node's owner, group and mode before changing any of them", () => {
    const { calls, fs } = fakeNode(state);
    lendNodes(state, [{ group: 1, path: NODE }], QEMU, fs);
    expect(calls.map((c) => c.call)).toEqual(["chown 998:997", `chmod 0${LENT_MODE.toString(8)}`]);
    expect(calls[0]!.record).toMatchObject({
      group: 1,
      path: NODE,
      rdev: 0xf100,
      original: { uid: 0, gid: 0, mode: 0o600 },
      lentTo: QEMU,
      owner: { pid: process.pid },
    });
  });

  it("gives the node its owner and mode back and drops the record", () => {
    const { node, fs } = fakeNode(state);
    const lent = lendNodes(state, [{ group: 1, path: NODE }], QEMU, fs);
    expect(node).toMatchObject({ uid: 998, gid: 997, mode: 0o20600 });
    lent.giveBack();
    expect(node).toMatchObject({ uid: 0, gid: 0, mode: 0o20600 });
    expect(scanNodeRecords(state)).toEqual({ records: [], invalid: [] });
  });

  it("takes the original from a dead launch's record, not from the node it left lent", () => {
    const { calls, fs } = fakeNode(state);
    lendNodes(state, [{ group: 1, path: NODE }], QEMU, fs);
    const left = scanNodeRecords(state).records[0]!;
    writeFileSync(
      join(state, "nodes", "1.json"),
      JSON.stringify({ ...left, owner: { pid: GONE_PID } }),
    );
    calls.length = 0;
    const again = lendNodes(state, [{ group: 1, path: NODE }], QEMU, fs);
    expect(calls.map((c) => c.call)).toEqual([
      "chown 0:0",
      "chmod 0600",
      "chown 998:997",
      "chmod 0600",
    ]);
    expect(again.records[0]!.original).toEqual({ uid: 0, gid: 0, mode: 0o600 });
  });

  it("leaves a node the kernel re-created since (another device number) as it is", () => {
    const { calls, fs } = fakeNode(state, 0xf200);
    const rec: NodeRecord = {
      group: 1,
      path: NODE,
      rdev: 0xf100,
      original: { uid: 5, gid: 5, mode: 0o644 },
      lentTo: QEMU,
      owner: { pid: GONE_PID },
      updated: "2026-01-01T00:00:00.000Z",
    };
    mkdirSync(join(state, "nodes"), { mode: 0o700 });
    expect(returnNode(state, rec, fs)).toBe(false);
    expect(calls).toEqual([]);
  });

  it("is undone by restore after the launch died, which reports the node", async () => {
    const { fs } = fakeNode(state);
    lendNodes(state, [{ group: 1, path: NODE }], QEMU, fs);
    const left = scanNodeRecords(state).records[0]!;
    // The node itself is not on this machine: restore finds it gone and drops the record.
    writeFileSync(
      join(state, "nodes", "1.json"),
      JSON.stringify({ ...left, path: join(state, "vfio", "1"), owner: { pid: GONE_PID } }),
    );
    expect(await restoreHost({ state })).toEqual([
      {
        node: join(state, "vfio", "1"),
        action: "returned",
        uid: 0,
        gid: 0,
        mode: "0600",
        changed: false,
      },
    ]);
    expect(scanNodeRecords(state).records).toEqual([]);
  });

  it("keeps the record of a launch still running", async () => {
    const { fs } = fakeNode(state);
    lendNodes(state, [{ group: 1, path: NODE }], QEMU, fs);
    expect(await restoreHost({ state })).toMatchObject([{ node: NODE, action: "node-kept" }]);
  });
});
