/**
 * The shape of src/ as its import graph: no cycles, a pure plan/, and the kernel's OF rules
 * (host/dt) apart from the live host. Read from the sources with the TypeScript parser, so an
 * import in a comment or a string does not count and `import type` (erased) does not count
 * for what runs.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(new URL("../../../src", import.meta.url).pathname);

interface Import {
  /** A module path under src/ ("plan/build.ts"), or the bare specifier ("node:fs", "execa"). */
  target: string;
  /** Erased at compile time: `import type`, or named imports that are all `type`. */
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function isTypeOnly(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return (
    clause.name === undefined &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  );
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const text = specifier.text;
    const target = text.startsWith(".")
      ? relative(SRC, resolve(dirname(file), text.replace(/\.js$/, ".ts")))
      : text;
    found.push({ target, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, isTypeOnly(node.importClause));
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      add(node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const graph = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), importsOf(f)] as const));
const modules = [...graph.keys()].sort();
const local = (module: string, runtimeOnly: boolean) =>
  (graph.get(module) ?? [])
    .filter((i) => graph.has(i.target) && !(runtimeOnly && i.typeOnly))
    .map((i) => i.target);

/** Every import cycle, each as the path that closes it ("a.ts -> b.ts -> a.ts"). */
function cycles(): string[] {
  const state = new Map<string, "open" | "done">();
  const found: string[] = [];
  const walk = (m: string, stack: string[]) => {
    state.set(m, "open");
    stack.push(m);
    for (const d of local(m, false)) {
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d].join(" -> "));
      else if (!state.has(d)) walk(d, stack);
    }
    stack.pop();
    state.set(m, "done");
  };
  for (const m of modules) if (!state.has(m)) walk(m, []);
  return found;
}

/**
 * For each module under `from`, the shortest chain of runtime imports to a module `bad`
 * says is off limits, ending in what makes it so ("plan/build.ts -> world/x.ts -> node:fs").
 */
function chains(from: string, bad: (module: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const start of modules.filter((m) => m.startsWith(from))) {
    const previous = new Map<string, string | undefined>([[start, undefined]]);
    const queue = [start];
    while (queue.length > 0) {
      const m = queue.shift()!;
      const why = bad(m);
      if (why !== undefined) {
        const path = [why];
        for (let at: string | undefined = m; at !== undefined; at = previous.get(at)) {
          path.unshift(at);
        }
        out.push(path.join(" -> "));
        break;
      }
      for (const d of local(m, true)) {
        if (!previous.has(d)) {
          previous.set(d, m);
          queue.push(d);
        }
      }
    }
  }
  return out;
}

/** What touches the file system, spawns, opens sockets or loads the native addon. */
const EFFECTS = new Set([
  "fs",
  "node:fs",
  "fs/promises",
  "node:fs/promises",
  "child_process",
  "node:child_process",
  "net",
  "node:net",
  "execa",
]);
const ADDON = new Set(["vfio/native.ts", "vfio/load.ts"]);

function effectOf(module: string): string | undefined {
  if (ADDON.has(module)) return "(the native addon)";
  return (graph.get(module) ?? []).find((i) => !i.typeOnly && EFFECTS.has(i.target))?.target;
}

describe("src/ import structure", () => {
  it("reads a graph of the whole tree", () => {
    expect(modules).toEqual(expect.arrayContaining(["plan/build.ts", "host/dt/offline.ts"]));
    expect(local("plan/build.ts", true).length).toBeGreaterThan(0);
  });

  it("has no import cycle", () => {
    expect(cycles()).toEqual([]);
  });

  it("plan/ reaches nothing that touches files, spawns, opens sockets or loads the addon", () => {
    expect(chains("plan/", effectOf)).toEqual([]);
  });

  it("the policy's evaluation (rules, requester) reaches nothing with effects: its file is read at the edge", () => {
    expect([...chains("policy/rules", effectOf), ...chains("policy/requester", effectOf)]).toEqual(
      [],
    );
  });

  it("host/dt/ (the kernel's OF rules) imports nothing from host/live/ or host/bind/", () => {
    const reached = modules
      .filter((m) => m.startsWith("host/dt/"))
      .flatMap((m) => local(m, false).map((d) => `${m} -> ${d}`))
      .filter((edge) => /-> host\/(live|bind)\//.test(edge));
    expect(reached).toEqual([]);
  });
});
