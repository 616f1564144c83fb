import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deviceNameProblem } from "../../../src/host/device-name.js";
import {
  type JournalEntry,
  readEntry,
  scanJournal,
  writeEntry,
} from "../../../src/host/journal.js";
import { lockDevice, lockedDevices } from "../../../src/host/lock.js";
import { currentOwner } from "../../../src/host/owner.js";

function entry(device: string): JournalEntry {
  return {
    device,
    bus: "platform",
    original: { driver: "mdio_bus", override: undefined },
    target: "vfio-platform",
    iommuGroup: 0,
    mode: "manual",
    owner: currentOwner(),
    phase: "detaching",
    step: "unbind",
    updated: "2026-01-01T00:00:00.000Z",
  };
}

describe("state records take the device names the CLI and config take", () => {
  let state: string;
  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), "platpass-state-"));
  });
  afterEach(async () => {
    await rm(state, { recursive: true, force: true });
  });

  it.each([
    "Fixed MDIO bus.0",
    "firmware:optee",
    "-leading-dash",
    "soc:pinctrl@1:gpio",
    "a".repeat(219),
  ])("journals and locks %j", (name) => {
    expect(deviceNameProblem(name)).toBeUndefined();
    writeEntry(state, entry(name));
    expect(readEntry(state, name)).toEqual(entry(name));
    expect(scanJournal(state)).toEqual({ entries: [entry(name)], invalid: [] });
    const lock = lockDevice(state, name, "detach");
    expect(lockedDevices(state)).toEqual([name]);
    lock.release();
  });

  it("breaks a stale lock of the longest name it takes (the longest state file name)", async () => {
    const name = "a".repeat(219);
    const dead = execa("true");
    await dead;
    mkdirSync(join(state, "locks"), { mode: 0o700 });
    writeFileSync(
      join(state, "locks", `${name}.lock`),
      JSON.stringify({ pid: dead.pid, purpose: "detach" }),
    );
    lockDevice(state, name, "restore").release();
    expect(readdirSync(join(state, "locks"))).toEqual([]);
  });

  it("refuses a real sysfs name too long for its state files before writing anything", () => {
    const name = "a".repeat(220);
    expect(deviceNameProblem(name)).toBeUndefined();
    expect(() => writeEntry(state, entry(name))).toThrow(
      expect.objectContaining({
        code: "HOST_NO_DEVICE",
        message: `${name} is not a sysfs device name platpass can act on: it is 220 bytes long, more than the 219 platpass's state file names leave for it`,
      }),
    );
    expect(() => lockDevice(state, name, "detach")).toThrow(
      expect.objectContaining({ code: "HOST_NO_DEVICE" }),
    );
    expect(existsSync(join(state, "journal")) ? readdirSync(join(state, "journal")) : []).toEqual(
      [],
    );
  });

  it.each([
    ["..", "'..' is a directory, not a device"],
    ["a/b", "it contains '/'"],
    ["dev\nx", "it contains a control character"],
  ])("refuses %j with deviceNameProblem's reason", (name, reason) => {
    expect(() => writeEntry(state, entry(name))).toThrow(
      expect.objectContaining({
        code: "HOST_NO_DEVICE",
        message: expect.stringContaining(
          `is not a sysfs device name platpass can act on: ${reason}`,
        ),
      }),
    );
  });

  it("quarantines a record that names a path, whatever its file is called", () => {
    mkdirSync(join(state, "journal"), { mode: 0o700 });
    writeFileSync(join(state, "journal", "x.json"), JSON.stringify(entry("../../x")), {
      mode: 0o600,
    });
    expect(scanJournal(state).invalid).toEqual([
      {
        file: join(state, "journal", "x.json"),
        reason: "it is not a record platpass wrote (not a sysfs device name at device)",
      },
    ]);
  });
});
