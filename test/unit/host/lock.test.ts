import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { breakStaleLocks, lockDevice, lockHolder, lockPath } from "../../../src/host/bind/lock.js";
import { GONE_PID } from "./owners.js";

describe("per-device locks", () => {
  let state: string;
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), "platpass-state-"));
  });
  afterEach(async () => {
    await rm(state, { recursive: true, force: true });
  });

  it("lets one claimant in and refuses the second with the holder's pid", () => {
    const first = lockDevice(state, "c000000.tpm_tis", "detach");
    expect(() => lockDevice(state, "c000000.tpm_tis", "launch")).toThrow(
      expect.objectContaining({
        code: "HOST_DEVICE_LOCKED",
        message: `c000000.tpm_tis is claimed by another platpass process (pid ${process.pid}, detach)`,
      }),
    );
    first.release();
    lockDevice(state, "c000000.tpm_tis", "launch").release();
    expect(existsSync(lockPath(state, "c000000.tpm_tis"))).toBe(false);
  });

  it("breaks a lock whose owner died and takes the device", () => {
    mkdirSync(join(state, "locks"));
    writeFileSync(lockPath(state, "dev"), JSON.stringify({ pid: GONE_PID, purpose: "detach" }));
    expect(lockHolder(state, "dev")).toBeUndefined();
    const lock = lockDevice(state, "dev", "restore");
    expect(lockHolder(state, "dev")).toMatchObject({ pid: process.pid, purpose: "restore" });
    lock.release();
  });

  it("does not mistake a recycled pid for the owner", () => {
    mkdirSync(join(state, "locks"));
    writeFileSync(
      lockPath(state, "dev"),
      JSON.stringify({ pid: process.pid, start: "1", purpose: "detach" }),
    );
    expect(lockHolder(state, "dev")).toBeUndefined();
    lockDevice(state, "dev", "launch").release();
  });

  it("sweeps stale locks and leaves live ones", () => {
    mkdirSync(join(state, "locks"));
    writeFileSync(lockPath(state, "gone"), JSON.stringify({ pid: GONE_PID, purpose: "detach" }));
    const live = lockDevice(state, "live", "launch");
    expect(breakStaleLocks(state, ["gone", "live"])).toEqual(["gone"]);
    expect(existsSync(lockPath(state, "gone"))).toBe(false);
    expect(lockHolder(state, "live")).toMatchObject({ pid: process.pid, purpose: "launch" });
    live.release();
  });
});
