import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import type { BoardRegistry } from "../../../src/boards/registry.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, type Fdt, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/offline.js";
import { buildPlan } from "../../../src/plan/build.js";

const baseDts = readFileSync(new URL("fixtures/virt-gicv3-base.dts", import.meta.url), "utf8");

const hostDts = `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; interrupt-parent = <&gic>;
  gic: interrupt-controller@10000000 { compatible = "arm,gic-400"; #interrupt-cells = <3>; interrupt-controller; reg = <0x10000000 0x1000>; };
  soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
    uart@40000000 { compatible = "acme,uart"; reg = <0x40000000 0x1000>; interrupts = <0 10 4>; };
    uart@40001000 { compatible = "acme,uart"; reg = <0x40001000 0x1000>; interrupts = <0 11 4>; status = "disabled"; };
    bus@50000000 { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0x50000000 0x100000>; status = "disabled";
      spi@2000 { compatible = "acme,spi"; reg = <0x2000 0x1000>; };
    };
  }; };`;

let registry: BoardRegistry;
let base: Uint8Array;
let host: Fdt;
beforeAll(async () => {
  registry = await loadRegistry();
  base = await compileDts(baseDts);
  host = readDtb(await compileDts(hostDts));
});

function planFor(name: string) {
  return () =>
    buildPlan({
      config: parseConfig({ kernel: "/boot/Image", devices: [{ host: name }] }),
      hostDevices: devicesFromDtb(host),
      hostTree: host,
      baseDtb: base,
      registry,
      dtbFile: "/run/vm/guest.dtb",
      qemuBinary: "/usr/bin/qemu-system-aarch64",
    });
}

describe("a config device on a disabled host DT node", () => {
  it("says the node exists but is disabled, and how to enable it", () => {
    expect(planFor("40001000.uart")).toThrow(
      expect.objectContaining({
        code: "PLAN_DEVICE_DISABLED",
        errorClass: "input",
        where: "$.devices[0].host",
        message: `the host has no device named '40001000.uart': its node exists at /soc/uart@40001000 but is disabled (status = "disabled")`,
        hint: expect.stringContaining(
          'Enable /soc/uart@40001000 in the host DT (the board\'s DTB, e.g. with an overlay setting status = "okay" on it)',
        ),
      }),
    );
  });

  it("names the disabled bus when the node itself is enabled, by its kernel name", () => {
    expect(planFor("50002000.spi")).toThrow(
      expect.objectContaining({
        code: "PLAN_DEVICE_DISABLED",
        message: `the host has no device named '50002000.spi': its node exists at /soc/bus@50000000/spi@2000 but is disabled below /soc/bus@50000000 (status = "disabled")`,
        hint: expect.stringContaining("the kernel created no device for it"),
      }),
    );
  });

  it("keeps did-you-mean for a name no node has", () => {
    expect(planFor("40000000.uartt")).toThrow(
      expect.objectContaining({
        code: "PLAN_UNKNOWN_DEVICE",
        message: "the host has no device named '40000000.uartt'; close matches: 40000000.uart",
      }),
    );
  });
});
