import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import { FdtError, readDtb } from "../../../src/fdt/index.js";
import {
  assemble,
  BEGIN_NODE,
  END,
  END_NODE,
  fixture,
  NOP,
  nameWords,
  PROP,
  structOffset,
} from "./assemble.js";

/** The FdtError readDtb throws for `blob`, as {code, offset}. */
function failure(blob: Uint8Array): { code: string; offset: number | undefined } {
  try {
    readDtb(blob);
  } catch (e) {
    if (!(e instanceof FdtError)) throw e;
    return { code: e.code, offset: e.offset };
  }
  throw new Error("readDtb accepted the blob");
}

function patched(blob: Uint8Array, offset: number, word: number): Uint8Array {
  const copy = blob.slice();
  new DataView(copy.buffer).setUint32(offset, word);
  return copy;
}

// root { a = <1>; } — struct words: 0 BEGIN, 1 "", 2 PROP, 3 len, 4 nameoff, 5 value, 6 END_NODE, 7 END
const valid = assemble({ struct: [BEGIN_NODE, 0, PROP, 4, 0, 1, END_NODE, END], strings: "a\0" });

describe("readDtb on well-formed blobs", () => {
  it("reads the minimal fixture dtc compiled", () => {
    const fdt = readDtb(new Uint8Array(readFileSync(fixture("minimal.dtb"))));
    expect(fdt.reservations).toEqual([{ address: 0x1000n, size: 0x2000n }]);
    expect([...fdt.root.properties.keys()]).toEqual(["a"]);
    expect(fdt.root.children.map((c) => c.name)).toEqual(["c@1"]);
  });

  it("reads version 16, which has no size_dt_struct", () => {
    const v16 = assemble({
      struct: [BEGIN_NODE, 0, PROP, 4, 0, 1, END_NODE, END],
      strings: "a\0",
      version: 16,
    });
    expect(readDtb(patched(v16, 36, 0xffffffff)).root.property("a")).toEqual(
      new Uint8Array([0, 0, 0, 1]),
    );
  });

  it("skips FDT_NOP anywhere in the structure", () => {
    const blob = assemble({
      struct: [NOP, BEGIN_NODE, 0, NOP, PROP, 0, 0, NOP, END_NODE, NOP, END],
      strings: "f\0",
    });
    expect(readDtb(blob).root.hasProperty("f")).toBe(true);
  });

  it("keeps property values independent of the input buffer", () => {
    const blob = valid.slice();
    const fdt = readDtb(blob);
    blob.fill(0);
    expect(fdt.root.property("a")).toEqual(new Uint8Array([0, 0, 0, 1]));
  });
});

describe("readDtb names the rule and the byte of malformed blobs", () => {
  it("throws FdtError, an InputError (CLI exit code 3)", () => {
    expect(() => readDtb(new Uint8Array(8))).toThrow(FdtError);
    expect(() => readDtb(new Uint8Array(8))).toThrow(InputError);
  });

  it("FDT_TRUNCATED for a blob shorter than a header", () => {
    expect(failure(new Uint8Array([0xd0, 0x0d]))).toEqual({ code: "FDT_TRUNCATED", offset: 0 });
  });

  it("FDT_BAD_MAGIC at byte 0", () => {
    expect(failure(patched(valid, 0, 0xfeedd00d))).toEqual({ code: "FDT_BAD_MAGIC", offset: 0 });
  });

  it("FDT_TRUNCATED at totalsize when the header claims 4 GiB", () => {
    expect(failure(patched(valid, 4, 0xffffffff))).toEqual({ code: "FDT_TRUNCATED", offset: 4 });
  });

  it("FDT_TRUNCATED when the buffer is cut short of totalsize", () => {
    expect(failure(valid.subarray(0, valid.length - 1))).toEqual({
      code: "FDT_TRUNCATED",
      offset: 4,
    });
  });

  it("FDT_BAD_VERSION for version 15", () => {
    expect(failure(patched(valid, 20, 15))).toEqual({ code: "FDT_BAD_VERSION", offset: 20 });
  });

  it("FDT_BAD_VERSION for last_comp_version 18", () => {
    expect(failure(patched(valid, 24, 18))).toEqual({ code: "FDT_BAD_VERSION", offset: 20 });
  });

  it("FDT_BAD_HEADER when the strings block lies past totalsize", () => {
    expect(failure(patched(valid, 12, 0x7ffffff0))).toEqual({ code: "FDT_BAD_HEADER", offset: 12 });
  });

  it("FDT_BAD_HEADER when the structure block overlaps the header", () => {
    expect(failure(patched(valid, 8, 4))).toEqual({ code: "FDT_BAD_HEADER", offset: 8 });
  });

  it("FDT_BAD_HEADER when size_dt_struct is huge", () => {
    expect(failure(patched(valid, 36, 0xfffffff0))).toEqual({ code: "FDT_BAD_HEADER", offset: 8 });
  });

  it("FDT_BAD_ALIGNMENT for a reservation block off an 8-byte boundary", () => {
    expect(failure(patched(valid, 16, 44))).toEqual({ code: "FDT_BAD_ALIGNMENT", offset: 16 });
  });

  it("FDT_RSVMAP_UNTERMINATED when no (0, 0) entry fits before totalsize", () => {
    const noTerminator = patched(patched(valid, 40, 1), 16, 40);
    expect(failure(patched(noTerminator, 16, structOffset(0) + 8))).toEqual({
      code: "FDT_RSVMAP_UNTERMINATED",
      offset: structOffset(0) + 8,
    });
  });

  it("FDT_BAD_TOKEN for an unknown token", () => {
    expect(failure(patched(valid, structOffset(2), 7))).toEqual({
      code: "FDT_BAD_TOKEN",
      offset: structOffset(2),
    });
  });

  it("FDT_BAD_TOKEN for FDT_END_NODE with no open node", () => {
    expect(failure(patched(valid, structOffset(0), END_NODE))).toEqual({
      code: "FDT_BAD_TOKEN",
      offset: structOffset(0),
    });
  });

  it("FDT_BAD_TOKEN for FDT_END inside a node", () => {
    expect(failure(patched(valid, structOffset(6), END))).toEqual({
      code: "FDT_BAD_TOKEN",
      offset: structOffset(6),
    });
  });

  it("FDT_STRUCT_UNTERMINATED when the block ends before FDT_END", () => {
    expect(failure(patched(valid, 36, 28))).toEqual({
      code: "FDT_STRUCT_UNTERMINATED",
      offset: structOffset(7),
    });
  });

  it("FDT_PROP_OOB for a property length past the structure block", () => {
    expect(failure(patched(valid, structOffset(3), 0x10000))).toEqual({
      code: "FDT_PROP_OOB",
      offset: structOffset(3),
    });
  });

  it("FDT_STRING_OOB for a name offset outside the strings block", () => {
    expect(failure(patched(valid, structOffset(4), 2))).toEqual({
      code: "FDT_STRING_OOB",
      offset: structOffset(4),
    });
  });

  it("FDT_STRING_UNTERMINATED for a name running off the strings block", () => {
    const stringsAt = structOffset(8);
    expect(failure(patched(valid, 32, 1))).toEqual({
      code: "FDT_STRING_UNTERMINATED",
      offset: stringsAt,
    });
  });

  it("FDT_NAME_UNTERMINATED for a node name with no NUL in the block", () => {
    const blob = assemble({ struct: [BEGIN_NODE, 0, BEGIN_NODE, 0x61616161], strings: "" });
    expect(failure(blob)).toEqual({ code: "FDT_NAME_UNTERMINATED", offset: structOffset(3) });
  });

  it("FDT_BAD_NAME for a node name with a slash", () => {
    const blob = assemble({
      struct: [BEGIN_NODE, 0, BEGIN_NODE, ...nameWords("a/b"), END_NODE, END_NODE, END],
    });
    expect(failure(blob)).toEqual({ code: "FDT_BAD_NAME", offset: structOffset(3) + 1 });
  });

  it("FDT_BAD_NAME for an empty child name", () => {
    const blob = assemble({ struct: [BEGIN_NODE, 0, BEGIN_NODE, 0, END_NODE, END_NODE, END] });
    expect(failure(blob)).toEqual({ code: "FDT_BAD_NAME", offset: structOffset(3) });
  });

  it("FDT_BAD_NAME for a 300-byte name", () => {
    const blob = assemble({
      struct: [BEGIN_NODE, 0, BEGIN_NODE, ...nameWords("n".repeat(300)), END_NODE, END_NODE, END],
    });
    expect(failure(blob)).toEqual({ code: "FDT_BAD_NAME", offset: structOffset(3) });
  });

  it("FDT_BAD_ROOT for a named root", () => {
    const blob = assemble({ struct: [BEGIN_NODE, ...nameWords("r"), END_NODE, END] });
    expect(failure(blob)).toEqual({ code: "FDT_BAD_ROOT", offset: structOffset(0) });
  });

  it("FDT_BAD_ROOT for a second root", () => {
    const blob = assemble({ struct: [BEGIN_NODE, 0, END_NODE, BEGIN_NODE, 0, END_NODE, END] });
    expect(failure(blob)).toEqual({ code: "FDT_BAD_ROOT", offset: structOffset(3) });
  });

  it("FDT_BAD_TOKEN for a property before the root", () => {
    const blob = assemble({ struct: [PROP, 0, 0, BEGIN_NODE, 0, END_NODE, END], strings: "a\0" });
    expect(failure(blob)).toEqual({ code: "FDT_BAD_TOKEN", offset: structOffset(0) });
  });

  it("FDT_DUPLICATE_NAME for two properties of one name", () => {
    const blob = assemble({
      struct: [BEGIN_NODE, 0, PROP, 0, 0, PROP, 0, 0, END_NODE, END],
      strings: "a\0",
    });
    expect(failure(blob)).toEqual({ code: "FDT_DUPLICATE_NAME", offset: structOffset(5) });
  });

  it("FDT_DUPLICATE_NAME for two sibling nodes of one name", () => {
    const child = [BEGIN_NODE, ...nameWords("x"), END_NODE];
    const blob = assemble({ struct: [BEGIN_NODE, 0, ...child, ...child, END_NODE, END] });
    expect(failure(blob)).toEqual({ code: "FDT_DUPLICATE_NAME", offset: structOffset(5) });
  });

  it("FDT_TOO_DEEP for nodes nested 300 deep, at the 256th level", () => {
    const level = [BEGIN_NODE, ...nameWords("a")];
    const struct = [BEGIN_NODE, 0, ...Array.from({ length: 300 }, () => level).flat()];
    expect(failure(assemble({ struct }))).toEqual({
      code: "FDT_TOO_DEEP",
      offset: structOffset(2 + 255 * 2),
    });
  });
});

describe("readDtb on a view into a larger buffer", () => {
  // Node's readFileSync returns small files as Buffers inside a shared pool.
  it("reads the same values from a Buffer that starts at an offset of its ArrayBuffer", () => {
    const blob = readFileSync(fixture("values.dtb"));
    const pool = new Uint8Array(blob.length + 4096);
    pool.fill(0xa5);
    pool.set(blob, 1234);
    const fromView = readDtb(Buffer.from(pool.buffer, 1234, blob.length));
    const fromCopy = readDtb(new Uint8Array(blob));
    const bytes = (fdt: ReturnType<typeof readDtb>) =>
      fdt.root.children.flatMap((n) =>
        [...n.properties].map(([name, v]) => [n.name, name, [...v]]),
      );
    expect(bytes(fromView)).toEqual(bytes(fromCopy));
  });
});
