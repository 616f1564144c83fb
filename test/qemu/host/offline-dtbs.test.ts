import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { readDtb } from "../../../src/fdt/read.js";
import { hostFromDtb } from "../../../src/host/dt/offline.js";
import type { DtRegion } from "../../../src/host/dt/resources.js";
import type { HostModel } from "../../../src/host/model.js";

/** Every .dtb below `dir`, by path relative to it. */
async function dtbsUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e.endsWith(".dtb")).sort();
}

/**
 * Names the kernel gives these devices on the real boards, as their boot logs print them
 * ("fe340000.mmc: …", "ttyS0 at MMIO 0x1c28000"): each goes through a different kind of
 * bus translation (offset ranges, nested buses, a 64-bit root, AMBA primecells).
 */
const KERNEL_NAMES: [dtb: string, bus: string, name: string, dtPath: string][] = [
  ["amd/amd-overdrive-rev-b1.dtb", "platform", "e0700000.xgmac", "/smb/xgmac@e0700000"],
  ["amd/amd-overdrive-rev-b1.dtb", "amba", "e1010000.serial", "/smb/serial@e1010000"],
  ["broadcom/bcm2711-rpi-4-b.dtb", "platform", "fe215040.serial", "/soc/serial@7e215040"],
  ["broadcom/bcm2711-rpi-4-b.dtb", "amba", "fe201000.serial", "/soc/serial@7e201000"],
  ["broadcom/bcm2711-rpi-4-b.dtb", "platform", "fe340000.mmc", "/emmc2bus/mmc@7e340000"],
  [
    "freescale/imx8mq-evk.dtb",
    "platform",
    "30860000.serial",
    "/soc@0/bus@30800000/serial@30860000",
  ],
  [
    "amlogic/meson-gxbb-odroidc2.dtb",
    "platform",
    "c81004c0.serial",
    "/soc/bus@c8100000/serial@4c0",
  ],
  ["allwinner/sun50i-a64-pine64.dtb", "platform", "1c28000.serial", "/soc/serial@1c28000"],
  ["rockchip/rk3399-rockpro64.dtb", "platform", "ff1a0000.serial", "/serial@ff1a0000"],
  ["arm/juno.dtb", "amba", "7ff80000.serial", "/serial@7ff80000"],
];

describe("offline host model over every DTB in Debian's arm64 kernel package", () => {
  let dir: string;
  let dtbs: string[];
  const models = new Map<string, HostModel>();

  beforeAll(async () => {
    const abi = await newestArm64KernelAbi();
    const pkg = await debianPackage(`linux-image-${abi}`, "arm64");
    dir = join(pkg.root, "usr", "lib", `linux-image-${abi}`);
    dtbs = await dtbsUnder(dir);
    for (const f of dtbs) models.set(f, hostFromDtb(readDtb(await readFile(join(dir, f))), f));
  });

  it("reads and models all of them", () => {
    expect(dtbs.length).toBeGreaterThan(500);
    expect(models.size).toBe(dtbs.length);
  });

  it("gives no two devices of one board the same name on one bus (the kernel would refuse the second)", () => {
    const duplicates = [...models].flatMap(([f, m]) => {
      const seen = new Set<string>();
      return m.devices
        .map((d) => `${d.bus}/${d.name}`)
        .filter((k) => seen.size === seen.add(k).size)
        .map((k) => `${f}: ${k}`);
    });
    expect(duplicates).toEqual([]);
  });

  it("names every device with a translatable reg after its first region's CPU address", () => {
    const mismatched = [...models].flatMap(([f, m]) =>
      m.devices
        .filter((d) => d.regions.length > 0)
        .filter((d) => {
          const address = (d.regions[0] as DtRegion).address;
          return !d.name.startsWith(`${address.toString(16)}.`) && !d.name.includes(":");
        })
        .map((d) => `${f}: ${d.name}`),
    );
    expect(mismatched).toEqual([]);
  });

  it.each(KERNEL_NAMES)("%s: %s device %s is %s", (dtb, bus, name, dtPath) => {
    const device = models.get(dtb)?.devices.find((d) => d.name === name);
    expect(device).toMatchObject({ bus, dtPath });
  });

  it("translates the Seattle xgmac's five regions and reads its level/edge IRQs", () => {
    const xgmac = models
      .get("amd/amd-overdrive-rev-b1.dtb")!
      .devices.find((d) => d.name === "e0700000.xgmac")!;
    expect(xgmac.regions.map((r) => [(r as DtRegion).address.toString(16), r.size])).toEqual([
      ["e0700000", 0x80000],
      ["e0780000", 0x80000],
      ["e1240800", 0x400],
      ["e1250000", 0x60],
      ["e12500f8", 0x4],
    ]);
    expect(xgmac.irqs.map((i) => (i.automasked ? "level" : "edge"))).toEqual([
      "level",
      "edge",
      "edge",
      "edge",
      "edge",
      "level",
    ]);
  });
});
