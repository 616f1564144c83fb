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

  it("doctor --json reports checks for every role", async () => {
    const r = await execa("node", [bin, "doctor", "--json"]);
    const { checks } = JSON.parse(r.stdout) as { checks: { name: string; roles: string[] }[] };
    const roles = new Set(checks.flatMap((c) => c.roles));
    expect([...roles].sort()).toEqual(["bed", "launch", "plan", "tests", "validate"]);
    expect(checks.map((c) => c.name)).toContain("qemu-system-aarch64");
  });

  it("gives every command --help", async () => {
    const r = await execa("node", [bin, "provision", "--help"]);
    expect(r.stdout).toContain("Usage: platpass provision");
  });
});
