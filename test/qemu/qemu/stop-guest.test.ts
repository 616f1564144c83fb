/**
 * stopGuest against a real QEMU that ignores the power button (no guest runs under -S): the
 * grace passes, QMP quit ends it, and no timer of the stop is left pending once QEMU is gone
 * (a pending one kept platpass running for the rest of its wait after QEMU had exited).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findQemu } from "../../../src/qemu/binary.js";
import { connectQmp, startQemu, stopGuest } from "../../../src/qemu/launcher.js";
import { pendingTimersAfter } from "../../support/timers.js";

describe("stopGuest", () => {
  it("quits a QEMU whose guest ignores the power button, leaving no timer behind", async () => {
    const binary = (await findQemu()).path;
    const qmpSocket = join(mkdtempSync(join(tmpdir(), "platpass-stop-")), "qmp.sock");
    let outcome: string | undefined;
    const left = await pendingTimersAfter(async () => {
      const qemu = startQemu({
        binary,
        argv: ["-machine", "virt", "-accel", "tcg", "-nodefaults", "-display", "none", "-S"],
        qmpSocket,
      });
      const qmp = await connectQmp(qemu, qmpSocket, 60_000);
      outcome = await stopGuest(qemu, qmp, 300);
      qmp?.close();
      expect(qemu.hasExited()).toBe(true);
    });
    expect(outcome).toBe("quit");
    expect(left).toBe(0);
  });
});
