#!/usr/bin/env node
// The CLI as bin/platpass.js runs it: src/ and the built-in board plugins bundled by esbuild
// into one script, dist/cli-bundle/main.cjs, by `npm run build` and by prepack. Why one
// script and not ES modules:
//   - Node 20's ESM loader resolves, reads and compiles each module file on every run; inside
//     the emulated host (TCG, the checkout over 9p) that was a quarter of `list --json`.
//   - A script is something V8 can compile from cached code (vm.Script's cachedData), which
//     bin/platpass.js keeps per user; Node 20 has no such cache for ES modules.
// What the bundle changes, and only here:
//   - src/boards/esm-import.ts becomes a module that links the built-in plugins (boards/*.js)
//     in and imports other plugins through the import() bin/platpass.js hands in: code V8
//     restored from its cache has no dynamic import of its own.
//   - import.meta.url is the bundle's own URL, handed in the same way. The bundle sits two
//     folders below the package root, as every module of src/<folder>/ does, so each path a
//     module finds from its URL (boards/, dts/, native/, prebuilds/, package.json) is the same.
//   - A module's top-level code still runs only when something imports it: esbuild wraps each
//     lazily imported module, so a command evaluates its own modules, not every command's.
// Beside it, dist/cli-bundle/table.cjs: the same main with no command's code, a tenth of the
// size, for what the command table alone answers (the overview, --version, a command's
// --help, a usage error); bin/platpass.js runs it when argv asks for help or the version.
// The library (package.json "exports") stays tsc's dist/.
import { readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli-bundle");
// Built beside it and swapped in by renames: a CLI starting meanwhile (other work in the same
// checkout, the emulated host's mount of it) finds a whole bundle, the old or the new.
const fresh = `${outdir}.new`;
const old = `${outdir}.old`;

const BUILTINS = readdirSync(join(root, "boards"))
  .filter((f) => f.endsWith(".js"))
  .map((f) => f.slice(0, -3));

/** The module put in place of src/boards/esm-import.ts (see that file). */
const linkedEsmImport = {
  name: "linked-esm-import",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]boards[\\/]esm-import\.ts$/ }, () => ({
      loader: "js",
      resolveDir: join(root, "boards"),
      contents: [
        ...BUILTINS.map((name, i) => `import * as m${i} from "./${name}.js";`),
        `export const linkedBuiltins = { ${BUILTINS.map((n, i) => `${JSON.stringify(n)}: m${i}`).join(", ")} };`,
        "export const importModule = (url) => __platpassImport(url);",
      ].join("\n"),
    }));
  },
};

/** In table.cjs, each command module commands.ts loads is a stub: runsCommand keeps it unused. */
const commandStubs = {
  name: "command-stubs",
  setup(b) {
    b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
      args.kind === "dynamic-import" && /[\\/]src[\\/]cli[\\/]commands\.ts$/.test(args.importer)
        ? { path: args.path, namespace: "command-stub" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "command-stub" }, (args) => ({
      loader: "js",
      contents: `export async function run() { throw new Error("table.cjs holds no command: ${args.path}"); }`,
    }));
  },
};

const common = {
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  define: { "import.meta.url": "__platpassModuleUrl" },
  // Less to read (over 9p in the emulated host) and to hash for the code cache; names stay,
  // so stack traces (PLATPASS_DEBUG=1) still name functions.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
};

rmSync(fresh, { recursive: true, force: true });
await build({ ...common, outfile: join(fresh, "main.cjs"), plugins: [linkedEsmImport] });
await build({ ...common, outfile: join(fresh, "table.cjs"), plugins: [commandStubs] });
rmSync(old, { recursive: true, force: true });
try {
  renameSync(outdir, old);
} catch (e) {
  if (e.code !== "ENOENT") throw e;
}
renameSync(fresh, outdir);
rmSync(old, { recursive: true, force: true });
