import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  bytes,
  cells,
  describeValue,
  formatValue,
  printDts,
  readDtb,
  str,
} from "../../../src/fdt/index.js";
import { fixture } from "./assemble.js";

const read = (name: string) => readFileSync(fixture(name));

describe("printDts", () => {
  // The .dtc.dts files are dtc's own decompilation of the fixtures (fixtures/build.sh).
  it.each(["minimal", "lookup", "values"])("prints %s.dtb exactly as dtc decompiles it", (name) => {
    const fdt = readDtb(new Uint8Array(read(`${name}.dtb`)));
    expect(printDts(fdt)).toBe(read(`${name}.dtc.dts`).toString());
  });
});

describe("formatValue types values as dtc guesses them", () => {
  it("printable NUL-terminated text is a string list", () => {
    expect(formatValue(str("a", "b"))).toBe('"a\\0b"');
  });

  it("escapes quotes, backslashes and control characters", () => {
    expect(formatValue(str('q"\\\t\n'))).toBe('"q\\"\\\\\\t\\n"');
  });

  it("a lone NUL is a byte, not an empty string", () => {
    expect(formatValue(str(""))).toBe("[00]");
  });

  it("text without its NUL is cells when word-sized", () => {
    expect(formatValue(bytes([0x61, 0x62, 0x63, 0x64]))).toBe("<0x61626364>");
  });

  it("cells print in hex, at least two digits", () => {
    expect(formatValue(cells(0, 1, 0xdeadbeef))).toBe("<0x00 0x01 0xdeadbeef>");
  });

  it("anything else is bytes", () => {
    expect(formatValue(bytes([1, 2, 0xff]))).toBe("[01 02 ff]");
  });
});

describe("describeValue", () => {
  it("gives strings as strings, cells as hex, others as bytes", () => {
    expect(describeValue(str("a", "b"))).toEqual({ type: "strings", value: ["a", "b"] });
    expect(describeValue(cells(16, 1))).toEqual({ type: "cells", value: ["0x10", "0x1"] });
    expect(describeValue(bytes([1]))).toEqual({ type: "bytes", value: ["01"] });
    expect(describeValue(new Uint8Array())).toEqual({ type: "empty" });
  });
});

describe("formatValue where dtc's own text would not compile back", () => {
  it("splits a string list whose entry starts with an octal digit", () => {
    // dtc prints "0\01" here, which reads back as "0" + octal 01.
    expect(formatValue(str("0", "1", "-1"))).toBe('"0", "1", "-1"');
  });

  it("keeps dtc's single-string form when digits 8 and 9 follow a NUL", () => {
    expect(formatValue(str("a", "9"))).toBe('"a\\09"');
  });
});
