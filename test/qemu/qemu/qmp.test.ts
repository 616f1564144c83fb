import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findQemu } from "../../../src/qemu/binary.js";
import { type RunningQemu, startQemu } from "../../../src/qemu/process.js";
import { QmpError } from "../../../src/qemu/qmp.js";
import { pendingTimersAfter } from "../../support/timers.js";

let qemu: RunningQemu;

beforeAll(async () => {
  const bin = await findQemu();
  qemu = await startQemu(bin.path, [
    "-machine",
    "virt",
    "-accel",
    "tcg",
    "-nodefaults",
    "-display",
    "none",
    "-S",
  ]);
});
afterAll(() => qemu?.stop());

describe("QmpClient against QEMU 7.2", () => {
  it("negotiates and reports the greeting's version", async () => {
    expect(qemu.qmp.greeting.version.qemu.major).toBe(7);
    const status = await qemu.qmp.execute<{ status: string }>("query-status");
    expect(status.status).toBe("prelaunch");
  });

  it("turns QEMU's CommandNotFound into a typed error", async () => {
    const err = await qemu.qmp.execute("no-such-command").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect(err).toMatchObject({ code: "QMP_COMMAND_NOT_FOUND", qmpClass: "CommandNotFound" });
  });

  it("turns a GenericError into a typed error naming the command", async () => {
    const err = await qemu.qmp
      .execute("qom-get", { path: "/machine", property: "no-such-property" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QMP_GENERIC_ERROR", command: "qom-get" });
    expect((err as Error).message).toContain("QEMU refused 'qom-get'");
  });

  it("passes HMP command lines through", async () => {
    const mtree = await qemu.qmp.hmp("info mtree");
    expect(mtree).toMatch(/000000000c000000-000000000dffffff \(prio 0, [a-z/]+\): platform bus/);
  });

  it("delivers events caused by a command", async () => {
    const mark = qemu.qmp.events.length;
    await qemu.qmp.execute("stop");
    await qemu.qmp.execute("cont");
    const resume = await qemu.qmp.waitForEvent("RESUME", { after: mark, timeoutMs: 30_000 });
    expect(resume.timestamp.seconds).toBeGreaterThan(0);
  });

  it("times out a wait that nothing answers", async () => {
    const err = await qemu.qmp
      .waitForEvent("NEVER_SENT", { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QMP_TIMEOUT" });
  });

  it("reports SHUTDOWN on quit and refuses commands after the socket closed", async () => {
    const mark = qemu.qmp.events.length;
    await qemu.qmp.execute("quit");
    const shutdown = await qemu.qmp.waitForEvent("SHUTDOWN", { after: mark });
    expect(shutdown.data.reason).toBe("host-qmp-quit");
    expect(await qemu.exited).toBe(0);
    await expect(qemu.qmp.execute("query-status")).rejects.toMatchObject({
      code: "QMP_DISCONNECTED",
    });
  });
});

describe("startQemu", () => {
  it("reports QEMU's own stderr when QEMU refuses its arguments", async () => {
    const bin = await findQemu();
    const err = await startQemu(bin.path, [
      "-machine",
      "virt,gic-version=7",
      "-display",
      "none",
    ]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QEMU_START_FAILED" });
    expect((err as Error).message).toMatch(/gic-version/i);
  });
});

describe("stopping a QEMU", () => {
  it("leaves no timer of its own behind, so a CLI that stopped one exits at once", async () => {
    const left = await pendingTimersAfter(async () => {
      const bin = await findQemu();
      const q = await startQemu(bin.path, ["-machine", "none", "-nodefaults", "-display", "none"]);
      await q.stop();
      expect(await q.exited).toBe(0);
    });
    expect(left).toBe(0);
  });
});
