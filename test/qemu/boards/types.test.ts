import { execa } from "execa";
import { describe, expect, it } from "vitest";

const tsconfig = new URL("../../../boards/tsconfig.json", import.meta.url).pathname;

describe("the built-in plugins", () => {
  it("type-check against the public plugin API (boards/*.js are checked JavaScript)", async () => {
    const r = await execa("npx", ["tsc", "-p", tsconfig], { reject: false });
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(0);
  }, 180_000);
});
