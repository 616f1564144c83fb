import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { staticImports } from "../../support/static-imports.js";

const boards = new URL("../../../boards/", import.meta.url).pathname;

describe("what a command loads before it runs", () => {
  it("dtb and plan load no execa: offline with a cached base DTB they spawn QEMU through nothing", () => {
    for (const command of ["cli/dtb.ts", "cli/plan.ts"]) {
      const { modules, packages } = staticImports(command);
      expect(packages, command).toEqual(["zod"]);
      expect(modules, command).not.toContain("host/live/discover.ts");
      expect(modules, command).not.toContain("qemu/probe.ts");
    }
  });

  it("list loads no package: no zod (it validates no options) and no execa", () => {
    expect(staticImports("cli/list.ts").packages).toEqual([]);
  });

  it("no built-in plugin imports zod itself: list loads every plugin, and options(z) gets one", () => {
    const importing = readdirSync(boards)
      .filter((f) => f.endsWith(".js"))
      .filter((f) => /^import [^;]*? from "zod";/m.test(readFileSync(`${boards}${f}`, "utf8")));
    expect(importing).toEqual([]);
  });
});
