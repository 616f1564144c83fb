import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { parseConfig } from "../../../src/config/parse.js";

function problems(value: unknown): { path: string; message: string }[] {
  try {
    parseConfig(value, "test.json");
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("parseConfig", () => {
  it("accepts a config holding only one device and fills in every default", () => {
    const config = parseConfig({ devices: [{ host: "e0700000.xgmac" }] });
    expect(config).toEqual({
      machine: {
        gicVersion: 3,
        virtualization: false,
        iommu: "none",
        highmem: true,
        cpu: "max",
        smp: 1,
        memory: 1024,
        accel: "kvm",
      },
      qemu: { vfioBackend: "auto", extraArgs: [], user: "platpass-qemu" },
      devices: [{ host: "e0700000.xgmac", managed: true }],
      overlays: [],
      plugins: [],
    });
  });

  it("accepts every documented key", () => {
    const config = parseConfig({
      $schema: "./schema/platpass.config.schema.json",
      machine: {
        gicVersion: 2,
        virtualization: true,
        iommu: "smmuv3",
        cpu: "host",
        smp: 4,
        memory: 2048,
        accel: "tcg",
      },
      qemu: { binary: "/usr/bin/qemu-system-aarch64", extraArgs: ["-nographic"] },
      kernel: "Image",
      initrd: "initrd.gz",
      append: "console=ttyAMA0",
      devices: [{ host: "c000000.tpm_tis", plugin: "tpm-tis", options: {}, managed: false }],
      overlays: ["fixups.dtso"],
      plugins: ["./my-board.mjs", "platpass-board-acme"],
    });
    expect(config.machine.gicVersion).toBe(2);
    expect(config.devices[0]).toEqual({
      host: "c000000.tpm_tis",
      plugin: "tpm-tis",
      options: {},
      managed: false,
    });
  });

  it("lists every problem with its JSON path, not just the first", () => {
    expect(
      problems({
        machine: { gicVersion: 4, smp: 0, colour: "red" },
        kernel: "Image",
        firmware: "QEMU_EFI.fd",
        devices: [{ host: "" }, { plugin: "generic" }, { host: "a.b", managed: "yes" }],
        extra: true,
      }),
    ).toEqual([
      { path: "$.machine.gicVersion", message: expect.stringContaining("") },
      { path: "$.machine.smp", message: expect.stringContaining(">=1") },
      { path: "$.machine.colour", message: expect.stringContaining("unknown key") },
      { path: "$.devices[0].host", message: expect.stringContaining(">=1") },
      { path: "$.devices[1].host", message: expect.stringContaining("expected string") },
      { path: "$.devices[2].managed", message: expect.stringContaining("expected boolean") },
      { path: "$.extra", message: expect.stringContaining("unknown key") },
    ]);
  });

  it("rejects a kernel together with firmware, and initrd or append without a kernel", () => {
    expect(problems({ devices: [], kernel: "Image", firmware: "QEMU_EFI.fd" })).toEqual([
      { path: "$.firmware", message: expect.stringContaining("exclude each other") },
    ]);
    expect(problems({ devices: [], initrd: "i", append: "quiet" })).toEqual([
      { path: "$.initrd", message: "'initrd' needs 'kernel'" },
      { path: "$.append", message: "'append' needs 'kernel'" },
    ]);
  });

  it("rejects a host name that is not one sysfs directory entry, naming it", () => {
    expect(problems({ devices: [{ host: "../../../../elsewhere/dev1" }, { host: ".." }] })).toEqual(
      [
        {
          path: "$.devices[0].host",
          message: `"../../../../elsewhere/dev1" is not a sysfs device name: it contains '/'`,
        },
        {
          path: "$.devices[1].host",
          message: `".." is not a sysfs device name: '..' is a directory, not a device`,
        },
      ],
    );
  });

  it("rejects the same host device assigned twice, naming the first", () => {
    expect(problems({ devices: [{ host: "x.y" }, { host: "x.y" }] })).toEqual([
      { path: "$.devices[1].host", message: "'x.y' is already assigned by devices[0]" },
    ]);
  });

  it("rejects a config that is not an object", () => {
    expect(problems([1, 2])).toEqual([
      { path: "$", message: expect.stringContaining("expected object") },
    ]);
  });

  it("reports as an input error whose paragraph lists each path", () => {
    const error = (() => {
      try {
        parseConfig({ devices: [{ host: 1 }], machine: { accel: "hvf" } }, "vm.json");
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.errorClass).toBe("input");
    expect(error?.code).toBe("CONFIG_INVALID");
    expect(error?.paragraph()).toContain("$.machine.accel");
    expect(error?.paragraph()).toContain("$.devices[0].host");
    expect(error?.paragraph()).toContain("(in vm.json)");
    expect(error?.toJSON().problems).toHaveLength(2);
  });
});
