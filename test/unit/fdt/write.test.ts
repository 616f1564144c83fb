import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cells, Fdt, FdtNode, readDtb, str, writeDtb } from "../../../src/fdt/index.js";
import { fixture } from "./assemble.js";

function words(blob: Uint8Array): number[] {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return Array.from({ length: blob.length >> 2 }, (_, i) => dv.getUint32(i * 4));
}

describe("writeDtb", () => {
  it("lays out header, reservations, structure and strings word by word", () => {
    const root = new FdtNode("");
    root.setProperty("a", cells(1));
    root.addChild("c@1");
    const blob = writeDtb(new Fdt(root, [{ address: 0x1000n, size: 0x2000n }], 0));

    expect(blob.length).toBe(0x76);
    expect(words(blob)).toEqual([
      0xd00dfeed, // 0x00 magic
      0x76, //       0x04 totalsize
      0x48, //       0x08 off_dt_struct
      0x74, //       0x0c off_dt_strings
      0x28, //       0x10 off_mem_rsvmap
      17, //         0x14 version
      16, //         0x18 last_comp_version
      0, //          0x1c boot_cpuid_phys
      2, //          0x20 size_dt_strings
      0x2c, //       0x24 size_dt_struct
      0, //          0x28 reservation 0 address (high)
      0x1000, //     0x2c reservation 0 address (low)
      0, //          0x30 reservation 0 size (high)
      0x2000, //     0x34 reservation 0 size (low)
      0, //          0x38 terminator address (high)
      0, //          0x3c terminator address (low)
      0, //          0x40 terminator size (high)
      0, //          0x44 terminator size (low)
      1, //          0x48 FDT_BEGIN_NODE (root)
      0, //          0x4c name "" padded
      3, //          0x50 FDT_PROP
      4, //          0x54 len
      0, //          0x58 nameoff -> "a"
      1, //          0x5c value <1>
      1, //          0x60 FDT_BEGIN_NODE
      0x63403100, // 0x64 name "c@1\0"
      2, //          0x68 FDT_END_NODE (c@1)
      2, //          0x6c FDT_END_NODE (root)
      9, //          0x70 FDT_END
    ]);
    expect([...blob.subarray(0x74)]).toEqual([0x61, 0x00]); // 0x74 strings block: "a\0"
  });

  it("pads property values and node names to word boundaries with zeros", () => {
    const root = new FdtNode("");
    root.addChild("abcd").setProperty("s", str("xy"));
    const w = words(writeDtb(new Fdt(root)));
    expect(w.slice(14, 23)).toEqual([
      1, //          0x38 FDT_BEGIN_NODE (root; no reservations, so struct starts here)
      0, //          0x3c name ""
      1, //          0x40 FDT_BEGIN_NODE
      0x61626364, // 0x44 "abcd"
      0, //          0x48 NUL + padding
      3, //          0x4c FDT_PROP
      3, //          0x50 len 3 ("xy\0")
      0, //          0x54 nameoff -> "s"
      0x78790000, // 0x58 "xy\0" + one byte of padding
    ]);
  });

  it("stores each property name once in the strings block", () => {
    const root = new FdtNode("");
    root.addChild("a").setProperty("reg", cells(1));
    root.addChild("b").setProperty("reg", cells(2));
    const blob = writeDtb(new Fdt(root));
    const dv = new DataView(blob.buffer);
    expect(dv.getUint32(0x20)).toBe(4); // size_dt_strings: "reg\0" once
  });

  it("writes the same bytes dtc wrote for the minimal fixture", () => {
    const original = new Uint8Array(readFileSync(fixture("minimal.dtb")));
    expect(writeDtb(readDtb(original))).toEqual(original);
  });

  it("keeps boot_cpuid_phys", () => {
    const blob = writeDtb(new Fdt(new FdtNode(""), [], 3));
    expect(readDtb(blob).bootCpuid).toBe(3);
  });
});
