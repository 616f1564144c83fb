import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  asStrings,
  asU32,
  asU32s,
  empty,
  type Fdt,
  findNode,
  phandleOf,
  readDtb,
  str,
  walk,
  writeDtb,
} from "../../../src/fdt/index.js";
import {
  assembleGuestDtb,
  type GuestNode,
  platformBusNode,
  reseedChosen,
} from "../../../src/machvirt/guest-dt.js";

const base = (): Fdt =>
  readDtb(new Uint8Array(readFileSync(new URL("./fixtures/virt-trimmed.dtb", import.meta.url))));

const tpm: GuestNode = {
  name: "tpm",
  properties: { compatible: str("tcg,tpm-tis-mmio") },
  regions: [{ offset: 0, size: 0x5000 }],
  irqs: [{ line: 0, trigger: "level" }],
};

const u32s = (fdt: Fdt, path: string, prop: string) => {
  const v = findNode(fdt, path)?.property(prop);
  return v === undefined ? undefined : asU32s(v);
};

describe("assembleGuestDtb", () => {
  it("adds a device under the platform bus with bus-relative reg and <0 112+n flags>", () => {
    const fdt = assembleGuestDtb(base(), [tpm]);
    const node = findNode(fdt, "/platform-bus@c000000/tpm@0");
    expect(node && asStrings(node.property("compatible") as Uint8Array)).toEqual([
      "tcg,tpm-tis-mmio",
    ]);
    expect(u32s(fdt, "/platform-bus@c000000/tpm@0", "reg")).toEqual([0, 0x5000]);
    expect(u32s(fdt, "/platform-bus@c000000/tpm@0", "interrupts")).toEqual([0, 112, 4]);
  });

  it("leaves interrupt-parent to the bus node, which points at the GIC", () => {
    const fdt = assembleGuestDtb(base(), [tpm]);
    expect(findNode(fdt, "/platform-bus@c000000/tpm@0")?.hasProperty("interrupt-parent")).toBe(
      false,
    );
    expect(u32s(fdt, "/platform-bus@c000000", "interrupt-parent")).toEqual([0x8003]);
    expect(phandleOf(findNode(fdt, "/intc@8000000")!)).toBe(0x8003);
  });

  it("points a bus without interrupt-parent at the GIC", () => {
    const b = base();
    platformBusNode(b).deleteProperty("interrupt-parent");
    b.root.deleteProperty("interrupt-parent");
    const fdt = assembleGuestDtb(b, [tpm]);
    expect(u32s(fdt, "/platform-bus@c000000", "interrupt-parent")).toEqual([0x8003]);
  });

  it("writes every region and interrupt in order, unit address from the first region", () => {
    const fdt = assembleGuestDtb(base(), [
      {
        name: "ethernet",
        properties: { compatible: str("calxeda,hb-xgmac"), "dma-coherent": empty() },
        regions: [
          { offset: 0x10000, size: 0x1000 },
          { offset: 0x20000, size: 0x10000 },
        ],
        irqs: [
          { line: 3, trigger: "level" },
          { line: 4, trigger: "edge" },
        ],
      },
    ]);
    const path = "/platform-bus@c000000/ethernet@10000";
    expect(u32s(fdt, path, "reg")).toEqual([0x10000, 0x1000, 0x20000, 0x10000]);
    expect(u32s(fdt, path, "interrupts")).toEqual([0, 115, 4, 0, 116, 1]);
    expect(findNode(fdt, path)?.hasProperty("dma-coherent")).toBe(true);
  });

  it("gives labelled nodes fresh, unique phandles and resolves references to them", () => {
    const fdt = assembleGuestDtb(base(), [
      { name: "clk-a", at: "root", label: "a", properties: { "#clock-cells": { cells: [0] } } },
      { name: "clk-b", at: "root", label: "b", properties: { "#clock-cells": { cells: [0] } } },
      {
        name: "xgbe",
        properties: { clocks: { cells: [{ ref: "a" }, { ref: "b" }] } },
        regions: [{ offset: 0, size: 0x10000 }],
      },
    ]);
    const a = phandleOf(findNode(fdt, "/clk-a")!);
    const b = phandleOf(findNode(fdt, "/clk-b")!);
    expect(u32s(fdt, "/platform-bus@c000000/xgbe@0", "clocks")).toEqual([a, b]);
    const all = [...walk(fdt.root)].map(phandleOf).filter((p) => p !== undefined);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(0x8003);
  });

  it("resolves a path reference into the base, giving that node a phandle", () => {
    const fdt = assembleGuestDtb(base(), [
      {
        ...tpm,
        properties: { ...tpm.properties, iommus: { cells: [{ ref: "/smmuv3@9050000" }, 0x100] } },
      },
    ]);
    const smmu = phandleOf(findNode(fdt, "/smmuv3@9050000")!);
    expect(smmu).toBe(0x8004);
    expect(u32s(fdt, "/platform-bus@c000000/tpm@0", "iommus")).toEqual([smmu, 0x100]);
  });

  it("adds children below a device node as given", () => {
    const fdt = assembleGuestDtb(base(), [
      { ...tpm, children: [{ name: "mdio", properties: { "#address-cells": { cells: [1] } } }] },
    ]);
    expect(u32s(fdt, "/platform-bus@c000000/tpm@0/mdio", "#address-cells")).toEqual([1]);
  });

  it("takes a child's reg (its device's own address space) and refuses its phandle", () => {
    const phy = { name: "ethernet-phy@1", properties: { reg: { cells: [1] } } };
    const fdt = assembleGuestDtb(base(), [{ ...tpm, children: [phy] }]);
    expect(u32s(fdt, "/platform-bus@c000000/tpm@0/ethernet-phy@1", "reg")).toEqual([1]);
    const numbered = { ...phy, properties: { phandle: { cells: [7] } } };
    expect(() => assembleGuestDtb(base(), [{ ...tpm, children: [numbered] }])).toThrowError(
      /sets "phandle", which platpass writes itself/,
    );
  });

  it("does not change the base tree", () => {
    const b = base();
    const before = writeDtb(b);
    assembleGuestDtb(b, [tpm]);
    expect(writeDtb(b)).toEqual(before);
  });

  it("survives a write and a read", () => {
    const fdt = readDtb(writeDtb(assembleGuestDtb(base(), [tpm])));
    expect(u32s(fdt, "/platform-bus@c000000/tpm@0", "interrupts")).toEqual([0, 112, 4]);
  });

  it("refuses properties platpass writes itself", () => {
    expect(() =>
      assembleGuestDtb(base(), [{ ...tpm, properties: { reg: { cells: [0, 1] } } }]),
    ).toThrowError(/sets "reg", which platpass writes itself/);
  });

  it("refuses a reference nothing defines", () => {
    expect(() =>
      assembleGuestDtb(base(), [{ ...tpm, properties: { clocks: { cells: [{ ref: "nope" }] } } }]),
    ).toThrowError(/reference to "nope" matches no label/);
  });

  it("refuses regions on a node placed at the root", () => {
    expect(() => assembleGuestDtb(base(), [{ ...tpm, at: "root" }])).toThrowError(
      /placed at the root but has platform-bus regions/,
    );
  });

  it("refuses two devices at the same unit address", () => {
    expect(() => assembleGuestDtb(base(), [tpm, tpm])).toThrowError(/already exists/);
  });

  it("refuses a base without a platform bus", () => {
    const b = base();
    b.root.removeChild("platform-bus@c000000");
    expect(() => assembleGuestDtb(b, [tpm])).toThrowError(
      /0 nodes compatible with "qemu,platform"/,
    );
  });
});

describe("reseedChosen", () => {
  it("replaces the dump's rng-seed and kaslr-seed with fresh bytes of the same length", () => {
    const fdt = base();
    reseedChosen(fdt, (n) => new Uint8Array(n).fill(0xab));
    const chosen = findNode(fdt, "/chosen")!;
    expect(asU32(chosen.property("kaslr-seed")!.subarray(0, 4))).toBe(0xabababab);
    expect(chosen.property("rng-seed")?.length).toBe(32);
  });
});
