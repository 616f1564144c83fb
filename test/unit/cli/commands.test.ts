import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../../src/cli/commands.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const cliSection = readme.slice(
  readme.indexOf("## The CLI"),
  readme.indexOf("\n## ", readme.indexOf("## The CLI") + 1),
);

const src = new URL("../../../src/", import.meta.url).pathname;

/** The modules under src/ that `start` loads before it runs: static, non-type imports, transitively. */
function loadedWith(start: string): string[] {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const module = queue.shift()!;
    if (seen.has(module)) continue;
    seen.add(module);
    const text = readFileSync(join(src, module), "utf8");
    for (const m of text.matchAll(/^import (?!type )[^;]*? from "(\.[^"]+)";/gms)) {
      queue.push(normalize(join(dirname(module), m[1]!.replace(/\.js$/, ".ts"))));
    }
  }
  return [...seen].sort();
}

describe("the command registry", () => {
  it("is all a command's --help and dispatch load: no command's module, none of their work", () => {
    expect(loadedWith("cli/main.ts")).toEqual(["cli/commands.ts", "cli/main.ts", "errors.ts"]);
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
