import { describe, expect, it } from "vitest";
import { DtcError, parseDiagnostics } from "../../../src/fdt/dtc.js";

// dtc 1.6's stderr, fed a DTS on stdin, a DTS that includes another, and a DTB on stdin.
const syntax = "Error: <stdin>:4.15-16 syntax error\nFATAL ERROR: Unable to parse input tree\n";
const included =
  "Error: /work/board/bad.dtsi:1.1-2.10 Header flags don't match earlier ones\n" +
  "FATAL ERROR: Unable to parse input tree\n";
const check =
  "<stdin>:3.5-20: Warning (reg_format): /memory:reg: property has invalid length (12 bytes)\n";
const dtbCheck =
  "<stdin>: Warning (reg_format): /memory:reg: property has invalid length (12 bytes)\n";

const syntaxError = { severity: "error", check: "syntax", message: "syntax error" };
const regFormat = {
  severity: "warning",
  check: "reg_format",
  path: "/memory",
  property: "reg",
  message: "property has invalid length (12 bytes)",
};

describe("parseDiagnostics", () => {
  it("names the source file where dtc says <stdin>, with line and column", () => {
    expect(parseDiagnostics(syntax, "/work/overlay.dts")).toEqual([
      { ...syntaxError, file: "/work/overlay.dts", line: 4, column: 15 },
      { severity: "error", check: "fatal", message: "Unable to parse input tree" },
    ]);
  });

  it("keeps the name of an included file dtc reports", () => {
    expect(parseDiagnostics(included, "/work/overlay.dts")[0]).toMatchObject({
      file: "/work/board/bad.dtsi",
      line: 1,
      column: 1,
    });
  });

  it("locates check warnings in DTS, and leaves a DTB's without a file", () => {
    expect(parseDiagnostics(check, "a.dts")).toEqual([
      { ...regFormat, file: "a.dts", line: 3, column: 5 },
    ]);
    expect(parseDiagnostics(dtbCheck)).toEqual([regFormat]);
  });

  it("without a source, leaves <stdin> unnamed but still gives line and column", () => {
    expect(parseDiagnostics(syntax)[0]).toEqual({ ...syntaxError, line: 4, column: 15 });
  });
});

describe("DtcError", () => {
  it("reads file:line.column: message, and carries the diagnostics into --json", () => {
    const e = new DtcError("dtc", parseDiagnostics(syntax, "overlay.dts"), syntax, "overlay.dts");
    expect(e.message).toBe("dtc rejected its input: overlay.dts:4.15: syntax error");
    expect(e.where).toBe("overlay.dts");
    expect(e.toJSON()).toMatchObject({
      error: "DTC_FAILED",
      where: "overlay.dts",
      diagnostics: [
        { file: "overlay.dts", line: 4, column: 15, message: "syntax error" },
        { check: "fatal" },
      ],
    });
  });
});
