import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commands } from "../../../src/cli/commands.js";
import { staticImports } from "../../support/static-imports.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const cliSection = readme.slice(
  readme.indexOf("## The CLI"),
  readme.indexOf("\n## ", readme.indexOf("## The CLI") + 1),
);

describe("the command registry", () => {
  it("is all a command's --help and dispatch load: no command's module, none of their work", () => {
    expect(staticImports("cli/main.ts").modules).toEqual([
      "cli/commands.ts",
      "cli/main.ts",
      "errors.ts",
    ]);
  });

  it("loads, for each command, a module that runs it", async () => {
    for (const entry of commands) {
      expect(typeof (await entry.load()).run, entry.name).toBe("function");
    }
  });

  it("has no two commands of the same name", () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("has every command in the README's table of commands", () => {
    const missing = commands
      .map((c) => c.name)
      .filter((name) => !new RegExp(`\`(platpass )?${name}[ \`]`).test(cliSection));
    expect(missing).toEqual([]);
  });

  it("says each option once: in the spec, never hand-listed in the usage line without one", () => {
    for (const c of commands) {
      const named = [...c.usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]);
      const known = [...Object.keys(c.options ?? {}), ...(c.json ? ["json"] : [])];
      expect(
        named.filter((o) => !known.includes(o!)),
        c.name,
      ).toEqual([]);
    }
  });
});
