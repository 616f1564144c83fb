import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type JournalEntry,
  readEntries,
  readEntry,
  scanJournal,
  writeEntry,
} from "../../../src/host/bind/journal.js";
import { lockDevice, lockedDevices } from "../../../src/host/bind/lock.js";
import { currentOwner } from "../../../src/host/bind/owner.js";
import { restoreHost } from "../../../src/host/bind/restore.js";
import { deviceNameProblem } from "../../../src/host/dt/device-name.js";
import type { Sysfs } from "../../../src/host/live/sysfs.js";
import { GONE_PID } from "./owners.js";
import { copySysfs, type SysfsCopy } from "./sysfs-copy.js";

const deadOwner = { pid: GONE_PID, start: undefined };

function entry(over: Partial<JournalEntry>): JournalEntry {
  return {
    device: "c000000.tpm_tis",
    bus: "platform",
    original: { driver: "tpm_tis", override: undefined },
    target: "vfio-platform",
    iommuGroup: 0,
    mode: "manual",
    owner: currentOwner(),
    phase: "detaching",
    step: "unbind",
    updated: "2026-01-01T00:00:00.000Z",
    ...over,
  };
}

describe("the journal and restore", () => {
  let copy: SysfsCopy;
  let root: string;
  let state: string;
  let sysfs: Sysfs;
  beforeEach(async () => {
    copy = await copySysfs();
    ({ root, state, sysfs } = copy);
  });
  afterEach(() => copy.remove());

  it("keeps one durable record per device and reads back exactly what was written", () => {
    const e = entry({});
    writeEntry(state, e);
    expect(readEntry(state, "c000000.tpm_tis")).toEqual(JSON.parse(JSON.stringify(e)));
    expect(readEntries(state)).toHaveLength(1);
  });

  it("undoes an interrupted detach whose owner died: clears the override, drops the record", async () => {
    // Killed after writing driver_override, before unbinding: tpm_tis is still bound.
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      join(root, "sys/devices/platform/c000000.tpm_tis/driver_override"),
      "vfio-platform\n",
    );
    writeEntry(state, entry({ owner: deadOwner, step: "unbind" }));
    const outcomes = await restoreHost({ sysfs, state, timeoutMs: 200 });
    expect(outcomes).toEqual([
      {
        device: "c000000.tpm_tis",
        action: "restored",
        driver: "tpm_tis",
        step: "detaching/unbind",
      },
    ]);
    expect(
      await readFile(join(root, "sys/devices/platform/c000000.tpm_tis/driver_override"), "utf8"),
    ).toBe("\n");
    expect(readEntries(state)).toEqual([]);
  });

  it("leaves a device another live process has locked", async () => {
    writeEntry(state, entry({ owner: deadOwner }));
    const lock = lockDevice(state, "c000000.tpm_tis", "launch");
    try {
      expect(await restoreHost({ sysfs, state, timeoutMs: 200 })).toEqual([
        {
          device: "c000000.tpm_tis",
          action: "kept",
          reason: `in use by pid ${process.pid} (launch)`,
        },
      ]);
    } finally {
      lock.release();
    }
    expect(readEntries(state)).toHaveLength(1);
  });

  it("leaves a finished manual detach alone unless asked for all", async () => {
    writeEntry(state, entry({ owner: deadOwner, phase: "detached", step: "verified" }));
    const [kept] = await restoreHost({ sysfs, state, timeoutMs: 200 });
    expect(kept).toMatchObject({
      action: "kept",
      reason: expect.stringContaining("platpass reattach c000000.tpm_tis"),
    });
    expect(readEntries(state)).toHaveLength(1);
  });

  it("keeps the record and reports failure when the original driver does not come back", async () => {
    // The fake tree has no kernel behind it: nothing binds tpm_tis after the probe.
    const { unlink } = await import("node:fs/promises");
    await unlink(join(root, "sys/devices/platform/c000000.tpm_tis/driver"));
    writeEntry(state, entry({ owner: deadOwner, step: "probe" }));
    const [failed] = await restoreHost({ sysfs, state, timeoutMs: 200 });
    expect(failed).toMatchObject({ action: "failed", error: { code: "HOST_REBIND_FAILED" } });
    expect(readEntry(state, "c000000.tpm_tis")).toMatchObject({
      phase: "reattaching",
      step: "probe",
    });
  });
});

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
    writeEntry(state, entry({ device: name }));
    expect(readEntry(state, name)).toEqual(entry({ device: name }));
    expect(scanJournal(state)).toEqual({ entries: [entry({ device: name })], invalid: [] });
    const lock = lockDevice(state, name, "detach");
    expect(lockedDevices(state)).toEqual([name]);
    lock.release();
  });

  it("breaks a stale lock of the longest name it takes (the longest state file name)", () => {
    const name = "a".repeat(219);
    mkdirSync(join(state, "locks"), { mode: 0o700 });
    writeFileSync(
      join(state, "locks", `${name}.lock`),
      JSON.stringify({ pid: GONE_PID, purpose: "detach" }),
    );
    lockDevice(state, name, "restore").release();
    expect(readdirSync(join(state, "locks"))).toEqual([]);
  });

  it("refuses a real sysfs name too long for its state files before writing anything", () => {
    const name = "a".repeat(220);
    expect(deviceNameProblem(name)).toBeUndefined();
    expect(() => writeEntry(state, entry({ device: name }))).toThrow(
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
    expect(() => writeEntry(state, entry({ device: name }))).toThrow(
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
    writeFileSync(join(state, "journal", "x.json"), JSON.stringify(entry({ device: "../../x" })), {
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
