import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { readDtb } from "../../../src/fdt/read.js";
import type { Fdt } from "../../../src/fdt/tree.js";
import { hostFromDtb } from "../../../src/host/dt/offline.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** The committed DTB fixtures/build.sh made from `name`.dts. */
function compiled(name: string): Fdt {
  return readDtb(readFileSync(fixture(`${name}.dtb`)));
}

describe("offline host model from a DTB (naming.dts)", () => {
  let fdt: Fdt;
  beforeAll(() => {
    fdt = compiled("naming");
  });

  it("names and places exactly the devices Linux 6.1 would populate", () => {
    const devices = hostFromDtb(fdt).devices.map((d) => `${d.bus} ${d.name} ${d.dtPath}`);
    expect(devices.sort()).toEqual(
      [
        "platform bff00000.ramoops /reserved-memory/ramoops@bff00000",
        "platform firmware:optee /firmware/optee",
        "platform 8000000.interrupt-controller /interrupt-controller@8000000",
        "platform psci /psci",
        "platform 9100000.okay /okay@9100000",
        "platform 4010000000.pcie /pcie@10000000",
        "platform soc /soc",
        "platform f0010000.serial /soc/serial@10000",
        "amba f0020000.uart /soc/uart@20000",
        "platform f0030000.4.gpio /soc/gpio@30000",
        "platform f0100000.bus /soc/bus@100000",
        "platform f0100200.timer /soc/bus@100000/timer@200",
        "platform f0200000.mfd /soc/mfd@200000",
        "platform f0200000.mfd:regulator /soc/mfd@200000/regulator",
        "platform f0300000.notabus /soc/notabus@300000",
        "platform soc:i2cbus /soc/i2cbus",
        "platform soc:i2cbus:dev@50 /soc/i2cbus/dev@50",
        "platform norange-bus /norange-bus",
        "platform norange-bus:thing@1000 /norange-bus/thing@1000",
        "platform bus@a0000000 /bus@a0000000",
        "platform a0001000.dev /bus@a0000000/dev@a0001000",
        "platform bus3@b0000000 /bus3@b0000000",
        "platform b0000100.cs /bus3@b0000000/cs@1,100",
        "platform bus3@b0000000:cs@2,0 /bus3@b0000000/cs@2,0",
        "platform isa /isa",
        "platform c00003f8.serial /isa/serial@1,3f8",
        "platform amba /amba",
        "amba d0001000.rtc /amba/rtc@1000",
      ].sort(),
    );
  });

  it("translates every reg entry through nested ranges and reads trigger types", () => {
    const timer = hostFromDtb(fdt).devices.find((d) => d.name === "f0100200.timer")!;
    expect(
      timer.regions.map((r) => [(r as { address?: bigint }).address, r.size, r.mmap, r.offset]),
    ).toEqual([
      [0xf0100200n, 0x20, false, 0n],
      [0xf0101000n, 0x1000, true, 1n << 40n],
    ]);
    expect(timer.irqs.map((i) => [i.index, i.automasked, i.maskable])).toEqual([
      [0, false, false],
      [1, true, true],
    ]);
    expect(timer.source).toBe("device-tree");
  });

  it("says a GICv2 host needs allow_unsafe_interrupts, and why", () => {
    const { host, readiness } = hostFromDtb(fdt);
    expect(host.interruptController).toBe("GICv2");
    expect(host.msiRemap).toBe(false);
    expect(host.notes.join(" ")).toMatch(/allow_unsafe_interrupts=1.*MSI doorbell/);
    expect(readiness["f0010000.serial"]!.problems).toContain(
      "no MSI remapping: vfio_iommu_type1 needs allow_unsafe_interrupts=1 (see the host notes)",
    );
  });

  it("names the reset module a compatible needs, and asks for reset_required=0 otherwise", () => {
    const { host, readiness } = hostFromDtb(compiled("xgmac"));
    expect(host.interruptController).toBe("GICv3 with ITS");
    expect(host.notes).toEqual([]);
    expect(readiness["e0700000.xgmac"]!.reset).toBe("module vfio-platform-amdxgbe");
    expect(readiness["e0700000.xgmac"]!.groupViable).toBeUndefined();
    expect(readiness["e1010000.timer"]!.problems[0]).toMatch(
      /no reset handler for "test,timer".*reset_required=0/,
    );
  });
});
