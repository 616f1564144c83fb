/** The unit lane's guard (test/support/pure-unit.ts) refuses every way out of the process. */
import * as childProcess from "node:child_process";
import { createSocket } from "node:dgram";
import { createConnection } from "node:net";
import { execa, execaSync } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import config from "../../../vitest.config.js";
import { takeAttempts } from "../../support/pure-unit.js";

const PURE = "unit tests are pure: move this test to the qemu lane";

// Each case reads its refusals itself; anything left would fail the case through the guard.
afterEach(() => {
  expect(takeAttempts()).toEqual([]);
});

describe("the unit lane's guard", () => {
  it("is set up for every file of the unit lane", () => {
    const unit = config.test?.projects?.find(
      (p) => typeof p === "object" && "test" in p && p.test?.name === "unit",
    );
    expect(unit).toMatchObject({ test: { setupFiles: ["test/support/pure-unit.ts"] } });
  });

  it("refuses execa, naming the command, even when the caller does not reject", async () => {
    const r = await execa("dtc", ["--version"], { reject: false });
    expect(r.failed).toBe(true);
    expect(r.message).toContain(PURE);
    expect(takeAttempts()).toEqual(["start a process: dtc --version"]);
  });

  it("refuses execaSync", () => {
    expect(() => execaSync("true")).toThrow(PURE);
    expect(takeAttempts()).toEqual(["start a process: true"]);
  });

  it.each([
    ["spawn", () => childProcess.spawn("true", ["x"])],
    ["execFile", () => childProcess.execFile("true", ["x"])],
    ["exec", () => childProcess.exec("true x")],
    ["fork", () => childProcess.fork("x.js")],
    ["spawnSync", () => childProcess.spawnSync("true", ["x"])],
    ["execFileSync", () => childProcess.execFileSync("true", ["x"])],
    ["execSync", () => childProcess.execSync("true x")],
  ])("refuses child_process.%s", (_name, start) => {
    expect(start).toThrow(PURE);
    expect(takeAttempts()).toHaveLength(1);
  });

  it("refuses a TCP connection and fetch, naming where", async () => {
    expect(() => createConnection({ host: "192.0.2.1", port: 80 })).toThrow(PURE);
    await expect(fetch("http://192.0.2.1/")).rejects.toThrow(PURE);
    expect(takeAttempts()).toEqual([
      "open a network connection to 192.0.2.1:80",
      "fetch http://192.0.2.1/",
    ]);
  });

  it("refuses a UDP socket", () => {
    expect(() => createSocket("udp4")).toThrow(PURE);
    expect(takeAttempts()).toEqual(["open a UDP socket"]);
  });

  it("lets a Unix socket through: reaching another process that way needs it started first", async () => {
    const socket = createConnection("/nonexistent/platpass.sock");
    const error = await new Promise((resolve) => socket.once("error", resolve));
    expect(error).toMatchObject({ code: "ENOENT" });
  });
});
