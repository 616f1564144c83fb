import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { jobScript, shellQuote } from "../../../src/bed/job.js";

describe("jobScript", () => {
  it("passes every word through the shell unchanged", async () => {
    const words = ["printf", "%s|", "it's", "$HOME", "a b", '"q"', "`x`", ""];
    const script = jobScript(words).replace("cd /platpass", "cd /");
    const r = await execa("sh", ["-c", script]);
    expect(r.stdout).toBe('it\'s|$HOME|a b|"q"|`x`||');
  });

  it("exports the environment it is given", async () => {
    const script = jobScript(["sh", "-c", 'echo "$GREETING"'], { GREETING: "hi 'there'" }).replace(
      "cd /platpass",
      "cd /",
    );
    expect((await execa("sh", ["-c", script])).stdout).toBe("hi 'there'");
  });

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
