import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const src = new URL("../../src/", import.meta.url).pathname;

/**
 * What loading `start` (a module under src/) loads before any of its code runs: the modules
 * under src/ and the packages its static, non-type imports reach, transitively.
 */
export function staticImports(start: string): { modules: string[]; packages: string[] } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const module = queue.shift()!;
    if (seen.has(module)) continue;
    seen.add(module);
    const text = readFileSync(join(src, module), "utf8");
    for (const m of text.matchAll(/^import (?!type )[^;]*? from "([^"]+)";/gms)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) {
        queue.push(normalize(join(dirname(module), spec.replace(/\.js$/, ".ts"))));
      } else if (!spec.startsWith("node:")) {
        packages.add(
          spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!,
        );
      }
    }
  }
  return { modules: [...seen].sort(), packages: [...packages].sort() };
}
