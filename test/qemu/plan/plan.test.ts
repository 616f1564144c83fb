import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import type { BoardRegistry } from "../../../src/boards/registry.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, type Fdt, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlanFor } from "../../support/plan.js";

const baseDts = readFileSync(new URL("fixtures/virt-gicv3-base.dts", import.meta.url), "utf8");

/** A host with `count` identical devices, each with the given reg sizes and IRQ count. */
function hostDts(count: number, sizes: number[], irqs: number): string {
  const devices = Array.from({ length: count }, (_, i) => {
    const address = 0x40000000 + i * 0x4000000;
    const reg = sizes
      .map((s, j) => `<0x${(address + j * 0x1000000).toString(16)} 0x${s.toString(16)}>`)
      .join(", ");
    const interrupts = Array.from({ length: irqs }, (_, j) => `<0 ${100 + i * irqs + j} 4>`).join(
      ", ",
    );
    return `dev@${address.toString(16)} { compatible = "acme,dev"; reg = ${reg};${irqs ? ` interrupts = ${interrupts};` : ""} };`;
  });
  return `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; interrupt-parent = <&gic>;
    gic: interrupt-controller@10000000 { compatible = "arm,gic-400"; #interrupt-cells = <3>; interrupt-controller; reg = <0x10000000 0x1000>; };
    soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges; ${devices.join("\n")} }; };`;
}

let registry: BoardRegistry;
let base: Uint8Array;
beforeAll(async () => {
  registry = await loadRegistry();
  base = await compileDts(baseDts);
});

function plan(host: Fdt, config: unknown) {
  return buildPlanFor({
    config: parseConfig(config),
    hostDevices: devicesFromDtb(host),
    hostTree: host,
    baseDtb: base,
    registry,
    dtbFile: "/run/vm/guest.dtb",
    qemuBinary: "/usr/bin/qemu-system-aarch64",
  });
}

describe("buildPlan", () => {
  it("gives QEMU the devices in config order, with -dtb, ids and the extra args last", async () => {
    const host = readDtb(await compileDts(hostDts(2, [0x1000], 1)));
    const r = plan(host, {
      machine: { accel: "tcg", memory: 512 },
      kernel: "/boot/Image",
      append: "console=ttyAMA0",
      devices: [{ host: "44000000.dev" }, { host: "40000000.dev", managed: false }],
      qemu: { extraArgs: ["-s"] },
    });
    const p = r.plan;
    expect(p.qemu.argv).toEqual([
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
      "-nographic",
      "-nic",
      "none",
      "-kernel",
      "/boot/Image",
      "-append",
      "console=ttyAMA0",
      "-dtb",
      "/run/vm/guest.dtb",
      "-device",
      "vfio-platform,host=44000000.dev,id=platpass0",
      "-device",
      "vfio-platform,host=40000000.dev,id=platpass1",
      "-s",
    ]);
    expect(
      p.devices.map((d) => [d.host, d.managed, d.regions[0]?.guestAddress, d.irqs[0]?.spi]),
    ).toEqual([
      ["44000000.dev", true, 0xc000000, 112],
      ["40000000.dev", false, 0xc001000, 113],
    ]);
    expect(r.guest.root.child("platform-bus@c000000")?.children.map((c) => c.name)).toEqual([
      "dev@0",
      "dev@1000",
    ]);
  });

  it("is plain JSON data", async () => {
    const host = readDtb(await compileDts(hostDts(1, [0x1000], 1)));
    const { plan: p } = plan(host, { devices: [{ host: "40000000.dev" }] });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it("refuses 65 IRQs as QEMU would: the 65th finds no free platform-bus line", async () => {
    const host = readDtb(await compileDts(hostDts(5, [0x1000], 13)));
    const devices = ["40000000", "44000000", "48000000", "4c000000", "50000000"].map((a) => ({
      host: `${a}.dev`,
    }));
    expect(() => plan(host, { devices })).toThrow(
      expect.objectContaining({
        code: "PLATFORM_BUS_IRQ_FULL",
        message: expect.stringContaining(
          '50000000.dev: IRQ 12 does not fit: all 64 platform-bus lines are taken; QEMU would exit with "Platform Bus: Can not fit IRQ line"',
        ),
      }),
    );
  });

  it("refuses regions that need more than the 32 MiB platform bus (16+4 MiB twice)", async () => {
    const host = readDtb(await compileDts(hostDts(3, [0x1000000, 0x400000], 0)));
    const devices = ["40000000", "44000000"].map((a) => ({ host: `${a}.dev` }));
    expect(() => plan(host, { devices })).toThrow(
      expect.objectContaining({
        code: "PLATFORM_BUS_MMIO_FULL",
        message: expect.stringContaining(
          "44000000.dev: MMIO region 0 (0x1000000 bytes) does not fit in the 32 MiB platform bus",
        ),
      }),
    );
  });

  it("refuses a base tree without QEMU's platform bus", async () => {
    const host = readDtb(await compileDts(hostDts(1, [0x1000], 1)));
    const noBus = await compileDts(baseDts.replace(/\tplatform-bus@c000000 \{[^}]*\};\n/, ""));
    expect(() =>
      buildPlanFor({
        config: parseConfig({ devices: [{ host: "40000000.dev" }] }),
        hostDevices: devicesFromDtb(host),
        hostTree: host,
        baseDtb: noBus,
        registry,
        dtbFile: "guest.dtb",
        qemuBinary: "qemu-system-aarch64",
      }),
    ).toThrow(expect.objectContaining({ code: "GUEST_DT_NO_PLATFORM_BUS" }));
  });
});

describe("a config device on a disabled host DT node", () => {
  const disabledHost = `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; interrupt-parent = <&gic>;
    gic: interrupt-controller@10000000 { compatible = "arm,gic-400"; #interrupt-cells = <3>; interrupt-controller; reg = <0x10000000 0x1000>; };
    soc { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
      uart@40000000 { compatible = "acme,uart"; reg = <0x40000000 0x1000>; interrupts = <0 10 4>; };
      uart@40001000 { compatible = "acme,uart"; reg = <0x40001000 0x1000>; interrupts = <0 11 4>; status = "disabled"; };
      bus@50000000 { compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0x50000000 0x100000>; status = "disabled";
        spi@2000 { compatible = "acme,spi"; reg = <0x2000 0x1000>; };
      };
    }; };`;
  let host: Fdt;
  beforeAll(async () => {
    host = readDtb(await compileDts(disabledHost));
  });
  const planFor = (name: string) => () =>
    plan(host, { kernel: "/boot/Image", devices: [{ host: name }] });

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
