/** The job script run by the real POSIX shell: what L1's init runs must reach the command intact. */
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { jobScript } from "../../../src/bed/job.js";

describe("jobScript under sh", () => {
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
});
