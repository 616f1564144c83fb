import { describe, expect, it } from "vitest";
import { baseDtbKey, dumpArgs } from "../../../src/machvirt/base-dtb.js";
import { machineArgs } from "../../../src/machvirt/machine.js";
import { testMachine } from "../../support/plan.js";

const binary = {
  path: "/usr/bin/qemu-system-aarch64",
  source: "PATH" as const,
  mtimeMs: 1,
  size: 2,
};

describe("machineArgs", () => {
  it("spells out every option, defaults included", () => {
    expect(machineArgs(testMachine())).toEqual([
      "-machine",
      "virt,gic-version=3,virtualization=off,iommu=none,highmem=on",
      "-accel",
      "tcg",
      "-cpu",
      "max",
      "-smp",
      "1",
      "-m",
      "512M",
    ]);
  });

  it("writes the emulated host's L1 machine", () => {
    const m = testMachine({ virtualization: true, iommu: "smmuv3", smp: 2, memoryMiB: 1024 });
    expect(machineArgs(m, "/tmp/l1.dtb").slice(0, 2)).toEqual([
      "-machine",
      "virt,gic-version=3,virtualization=on,iommu=smmuv3,highmem=on,dumpdtb=/tmp/l1.dtb",
    ]);
  });

  it("rejects options QEMU would reject less clearly", () => {
    expect(() => testMachine({ smp: 0 })).toThrowError(/machine option smp must be 1…512/);
    expect(() => testMachine({ cpu: "max,pauth=off" })).toThrowError(/not a CPU model name/);
    expect(() => machineArgs(testMachine(), "/tmp/a,b.dtb")).toThrowError(/contains a comma/);
  });
});

describe("base DTB cache key", () => {
  const request = { binary, machine: testMachine() };

  it("is stable for the same binary and options", () => {
    expect(baseDtbKey(request)).toBe(baseDtbKey({ ...request, machine: testMachine() }));
  });

  it("changes with any option, extra argument or binary identity", () => {
    const keys = [
      baseDtbKey(request),
      baseDtbKey({ ...request, machine: testMachine({ gicVersion: 2 }) }),
      baseDtbKey({ ...request, extraArgs: ["-device", "virtio-rng-device"] }),
      baseDtbKey({ ...request, binary: { ...binary, mtimeMs: 3 } }),
    ];
    expect(new Set(keys).size).toBe(4);
  });

  it("dumps with the machine options, no default devices and no display", () => {
    expect(dumpArgs(request, "/tmp/x.dtb")).toEqual([
      ...machineArgs(request.machine, "/tmp/x.dtb"),
      "-nodefaults",
      "-display",
      "none",
    ]);
  });
});
