import { describe, expect, it } from "vitest";
import {
  asPhandle,
  asString,
  asStrings,
  asU32,
  asU32s,
  asU64,
  bytes,
  cells,
  empty,
  FdtError,
  str,
  u64,
} from "../../../src/fdt/index.js";

describe("value encoders", () => {
  it("cells: one big-endian u32 per argument, numbers or bigints", () => {
    // biome-ignore format: one cell per line
    expect([...cells(1, 0xdeadbeef, 0x80000000n)]).toEqual([
      0x00, 0x00, 0x00, 0x01, // cell 0: 1
      0xde, 0xad, 0xbe, 0xef, // cell 1: 0xdeadbeef
      0x80, 0x00, 0x00, 0x00, // cell 2: 0x80000000
    ]);
  });

  it("cells: rejects values outside 32 bits", () => {
    expect(() => cells(0x1_0000_0000)).toThrow(FdtError);
    expect(() => cells(-1)).toThrow(FdtError);
  });

  it("u64: two cells, high word first", () => {
    // biome-ignore format: one cell per line
    expect([...u64(0x1_2345_6789n)]).toEqual([
      0x00, 0x00, 0x00, 0x01, // high cell
      0x23, 0x45, 0x67, 0x89, // low cell
    ]);
  });

  it("str: each string NUL-terminated, lists concatenated", () => {
    expect([...str("ab", "c")]).toEqual([0x61, 0x62, 0x00, 0x63, 0x00]);
  });

  it("str: rejects an embedded NUL", () => {
    expect(() => str("a\0b")).toThrow(FdtError);
  });

  it("empty and bytes", () => {
    expect(empty().length).toBe(0);
    expect([...bytes([1, 2, 255])]).toEqual([1, 2, 255]);
  });
});

describe("value decoders", () => {
  it("round-trip what the encoders wrote", () => {
    expect(asU32(cells(7))).toBe(7);
    expect(asU32s(cells(1, 2, 3))).toEqual([1, 2, 3]);
    expect(asU64(u64(0xffff_ffff_ffff_fffen))).toBe(0xffff_ffff_ffff_fffen);
    expect(asString(str("arm,pl011"))).toBe("arm,pl011");
    expect(asStrings(str("a", "", "b"))).toEqual(["a", "", "b"]);
    expect(asPhandle(cells(0x8001))).toBe(0x8001);
  });

  it("reject values of the wrong length with FDT_BAD_VALUE", () => {
    expect(() => asU32(cells(1, 2))).toThrow(expect.objectContaining({ code: "FDT_BAD_VALUE" }));
    expect(() => asU32s(bytes([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: "FDT_BAD_VALUE" }),
    );
    expect(() => asU64(cells(1))).toThrow(expect.objectContaining({ code: "FDT_BAD_VALUE" }));
  });

  it("reject a string without its NUL and a list where one string is wanted", () => {
    expect(() => asStrings(bytes([0x61]))).toThrow(FdtError);
    expect(() => asString(str("a", "b"))).toThrow(FdtError);
  });

  it("reject phandles 0 and 0xffffffff", () => {
    expect(() => asPhandle(cells(0))).toThrow(FdtError);
    expect(() => asPhandle(cells(0xffffffff))).toThrow(FdtError);
  });
});
