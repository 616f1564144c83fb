import { execa } from "execa";
import { describe, expect, it } from "vitest";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;

describe("platpass CLI", () => {
  it("prints its version", async () => {
    const r = await execa("node", [bin, "--version"]);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("rejects an unknown command with the usage exit code and no stack trace", async () => {
    const r = await execa("node", [bin, "frobnicate"], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects an unknown option naming the command", async () => {
    const r = await execa("node", [bin, "doctor", "--bogus"], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("platpass doctor --help");
  });

  it("doctor --json reports checks for every role, and that no policy is in force without its file", async () => {
    const noPolicy = "/nonexistent/platpass/policy.json";
    const r = await execa("node", [bin, "doctor", "--json", "--policy", noPolicy]);
    const { checks } = JSON.parse(r.stdout) as {
      checks: { name: string; roles: string[]; ok: boolean; detail: string }[];
    };
    const roles = new Set(checks.flatMap((c) => c.roles));
    expect([...roles].sort()).toEqual(["bed", "launch", "plan", "tests", "validate"]);
    expect(checks.map((c) => c.name)).toContain("qemu-system-aarch64");
    expect(checks.find((c) => c.name === "assignable-devices policy")).toMatchObject({
      ok: true,
      detail: `none in force (${noPolicy} does not exist): any device may be assigned`,
    });
  });

  it("gives every command --help", async () => {
    const r = await execa("node", [bin, "provision", "--help"]);
    expect(r.stdout).toContain("Usage: platpass provision");
  });
});
