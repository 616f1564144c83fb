import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { guestFragment } from "./fragment.js";
import { planOnFixture } from "./plan-fixture.js";

const fixture = (name: string) => new URL(`fixtures/${name}`, import.meta.url);

/** One golden case per built-in plugin: a host DTS in, the guest nodes out. */
const cases = [
  { plugin: "calxeda-xgmac", hosts: ["fff50000.ethernet"] },
  { plugin: "amd-xgbe", hosts: ["e0700000.xgmac"] },
  { plugin: "tpm-tis", hosts: ["c000000.tpm_tis"] },
  { plugin: "virtio-mmio", hosts: ["a000000.virtio_mmio"] },
  { plugin: "dwmac", hosts: ["20010000.ethernet", "20020000.ethernet", "20030000.ethernet"] },
  { plugin: "etheravb", hosts: ["20800000.ethernet"] },
  { plugin: "sdhci", hosts: ["20030000.mmc", "20040000.mmc"] },
  { plugin: "dw-mmc", hosts: ["20050000.mmc"] },
  { plugin: "dwc3", hosts: ["20800000.usb", "20a00000.usb"] },
  { plugin: "cadence-gem", hosts: ["20e00000.ethernet"] },
  { plugin: "fec", hosts: ["20be0000.ethernet"] },
  { plugin: "generic", hosts: ["20010000.serial", "20020000.usb"] },
];

async function planFixture(plugin: string, hosts: string[]) {
  // Every plugin but the fallback is chosen by its score; generic is named, as a class plugin
  // outscores it for the fixture's snps,dwc3.
  const result = await planOnFixture(
    plugin,
    hosts.map((host) => (plugin === "generic" ? { host, plugin } : { host })),
  );
  const paths = [
    result.plan.guest.platformBus,
    ...result.plan.devices.flatMap((d) => d.guestNodes.filter((p) => p.split("/").length === 2)),
  ];
  return { ...result, text: guestFragment(result.guest, paths) };
}

describe("golden guest nodes of the built-in plugins", () => {
  for (const { plugin, hosts } of cases) {
    it(`${plugin} writes ${plugin}.guest.dts`, async () => {
      const { plan, text } = await planFixture(plugin, hosts);
      if (process.env.PLATPASS_UPDATE_GOLDEN === "1")
        writeFileSync(fixture(`${plugin}.guest.dts`), text);
      expect(plan.devices.map((d) => d.plugin)).toEqual(hosts.map(() => plugin));
      expect(text).toBe(readFileSync(fixture(`${plugin}.guest.dts`), "utf8"));
    });
  }

  it("tpm-tis plans its quiesce as the same register accesses, in the same order", async () => {
    const { plan } = await planFixture("tpm-tis", ["c000000.tpm_tis"]);
    expect(plan.devices[0]?.quiesce?.steps).toEqual([
      { offset: 0x0, width: 8, write: 0x02 },
      { offset: 0x0, width: 8, waitFor: { mask: 0xa0, equals: 0xa0 } },
      { offset: 0x8, write: 0 },
      { offset: 0x10, write: 0x87 },
      { offset: 0x0, width: 8, write: 0x20 },
    ]);
  });
});
