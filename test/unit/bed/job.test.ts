import { describe, expect, it } from "vitest";
import { jobScript, shellQuote } from "../../../src/bed/job.js";

describe("jobScript", () => {
  it("enters the mounted checkout", () => {
    expect(jobScript(["true"])).toContain("\ncd /platpass\n");
  });

  it("rejects an environment variable name the shell cannot export", () => {
    expect(() => jobScript(["true"], { "BAD-NAME": "x" })).toThrow(
      /not a valid environment variable name/,
    );
  });

  it("quotes single quotes the POSIX way", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
