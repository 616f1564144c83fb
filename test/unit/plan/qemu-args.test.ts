import { describe, expect, it } from "vitest";
import { closeMatches } from "../../../src/close-matches.js";
import { parseConfig } from "../../../src/config/parse.js";
import { bootArgs, deviceArgs } from "../../../src/plan/qemu-args.js";

describe("QEMU arguments", () => {
  it("doubles a comma in a device name, as QEMU's option syntax wants", () => {
    expect(
      deviceArgs([{ qemuDevice: "vfio-platform", host: "1000.a,b", id: "platpass0" }], "legacy"),
    ).toEqual(["-device", "vfio-platform,host=1000.a,,b,id=platpass0"]);
  });

  it("boots firmware with -bios, a kernel with -kernel/-initrd/-append, or nothing", () => {
    expect(bootArgs(parseConfig({ devices: [], firmware: "/QEMU_EFI.fd" }))).toEqual([
      "-bios",
      "/QEMU_EFI.fd",
    ]);
    expect(bootArgs(parseConfig({ devices: [], kernel: "/Image", initrd: "/initrd" }))).toEqual([
      "-kernel",
      "/Image",
      "-initrd",
      "/initrd",
    ]);
    expect(bootArgs(parseConfig({ devices: [] }))).toEqual([]);
  });
});

describe("closeMatches", () => {
  const names = ["e0700000.xgmac", "e0900000.xgmac", "e0300000.sata", "e1010000.serial"];

  it("finds names containing what was typed, and names a few edits away", () => {
    expect(closeMatches("xgmac", names)).toEqual(["e0700000.xgmac", "e0900000.xgmac"]);
    expect(closeMatches("e0300000.stat", names)).toEqual(["e0300000.sata"]);
  });

  it("offers nothing for a name unlike any", () => {
    expect(closeMatches("c000000.tpm_tis", names)).toEqual([]);
  });
});
