#!/usr/bin/env node
// The CLI as bin/platpass.js runs it: src/ bundled by esbuild into dist/cli-bundle/, run by
// `npm run build` and by prepack. Unbundled, one `platpass dtb` loads 172 module files (95 of
// them zod's) through Node 20's ESM loader, half its time; inside the emulated host each file
// is several 9p round trips. Bundled it loads 27, and the 13 board plugins either way.
//   - Split into chunks: a command's modules load when it runs, as commands.ts intends, and
//     what several commands share is one chunk.
//   - zod and execa are bundled too (each is many small modules); they stay dependencies, as
//     the library in dist/ imports them.
//   - A CommonJS module among execa's (cross-spawn, which, isexe) requires Node's built-ins:
//     each chunk gets a `require` of its own, as a CommonJS module has.
//   - The chunks sit two folders below the package root, as every module of src/<folder>/
//     does, so each path a module finds from its own URL (boards/, dts/, native/, prebuilds/,
//     package.json) is the same bundled or not.
// The library (package.json "exports") stays tsc's dist/.
import { renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli-bundle");
// Built beside it and swapped in by renames: a CLI starting meanwhile (other work in the same
// checkout, the emulated host's mount of it) finds a whole bundle, the old or the new.
const fresh = `${outdir}.new`;
const old = `${outdir}.old`;

rmSync(fresh, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts", "src/cli/compile-cache.ts"],
  outdir: fresh,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  banner: {
    js: 'import { createRequire as createRequireForChunk } from "node:module";\nconst require = createRequireForChunk(import.meta.url);',
  },
  logLevel: "warning",
});
rmSync(old, { recursive: true, force: true });
try {
  renameSync(outdir, old);
} catch (e) {
  if (e.code !== "ENOENT") throw e;
}
renameSync(fresh, outdir);
rmSync(old, { recursive: true, force: true });
