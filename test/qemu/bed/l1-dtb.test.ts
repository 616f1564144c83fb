// The L1 device tree: QEMU's own dump plus dts/bed-*.dts, checked with fdtget (dtc's tools)
// on the written blob, for both GIC versions.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { l1Dtb } from "../../../src/bed/dtb.js";

const cache = await mkdtemp(join(tmpdir(), "platpass-bed-dtb-"));
afterAll(() => rm(cache, { recursive: true, force: true }));

async function get(dtb: string, path: string, prop: string): Promise<string> {
  return (await execa("fdtget", ["-t", "x", dtb, path, prop])).stdout.trim();
}

describe.each([3, 2] as const)("the L1 DTB on GICv%i", (gic) => {
  it("gives the TPM its interrupt and puts it behind the SMMUv3 with stream ID 0x100", async () => {
    const dtb = await l1Dtb(cache, { gic, smp: 2, memMiB: 1024 }, () => {});
    const smmu = await get(dtb, "/smmuv3@9050000", "phandle");
    expect(await get(dtb, "/platform-bus@c000000/tpm_tis@0", "interrupts")).toBe("0 70 4");
    expect(await get(dtb, "/platform-bus@c000000/tpm_tis@0", "iommus")).toBe(`${smmu} 100`);
  });

  it("puts the first virtio-mmio transport behind the SMMUv3 with stream ID 0x101", async () => {
    const dtb = await l1Dtb(cache, { gic, smp: 2, memMiB: 1024 }, () => {});
    const smmu = await get(dtb, "/smmuv3@9050000", "phandle");
    expect(await get(dtb, "/virtio_mmio@a000000", "iommus")).toBe(`${smmu} 101`);
    expect(
      await execa("fdtget", [dtb, "/virtio_mmio@a000200", "iommus"], { reject: false }),
    ).toMatchObject({
      exitCode: 1,
    });
  });

  it("gives the TPM apb-pclk and a GPIO gate fed by it, which the PL031 RTC takes as its bus clock", async () => {
    const dtb = await l1Dtb(cache, { gic, smp: 2, memMiB: 1024 }, () => {});
    const pclk = await get(dtb, "/apb-pclk", "phandle");
    const pl061 = await get(dtb, "/pl061@9030000", "phandle");
    const gate = await get(dtb, "/tpm-bus-gate", "phandle");
    expect(new Set([pclk, pl061, gate]).size).toBe(3);
    expect(await get(dtb, "/tpm-bus-gate", "clocks")).toBe(pclk);
    expect(await get(dtb, "/tpm-bus-gate", "enable-gpios")).toBe(`${pl061} 0 0`);
    expect(await get(dtb, "/platform-bus@c000000/tpm_tis@0", "clocks")).toBe(`${pclk} ${gate}`);
    expect(await get(dtb, "/pl031@9010000", "clocks")).toBe(gate);
    expect(await get(dtb, "/pl011@9000000", "clocks")).toBe(`${pclk} ${pclk}`);
  });

  it("is the dump of that very GIC version", async () => {
    const dtb = await l1Dtb(cache, { gic, smp: 2, memMiB: 1024 }, () => {});
    expect(await execa("fdtget", [dtb, "/intc@8000000", "compatible"])).toMatchObject({
      stdout: gic === 3 ? "arm,gic-v3" : "arm,cortex-a15-gic",
    });
  });
});
