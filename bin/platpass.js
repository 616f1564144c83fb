#!/usr/bin/env node
import { statSync } from "node:fs";
import module from "node:module";

/**
 * The CLI bundle (scripts/bundle-cli.mjs, made by `npm run build` and by prepack) loads a
 * command from a few files instead of a few hundred. In a checkout (src/ is there) tsc may
 * have compiled dist/ since the bundle was made: a bundle older than that, or none, leaves
 * the CLI tsc compiled, so that `tsc` after an edit runs the edited code. An installed
 * package has no src/ (and npm gives its files the time of the install, in no set order).
 */
function entryFolder() {
  const stat = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false });
  const bundle = stat("../dist/cli-bundle/main.js");
  if (!bundle) return "cli";
  if (!stat("../src")) return "cli-bundle";
  const compiled = stat("../dist/cli/main.js");
  return compiled && compiled.mtimeMs > bundle.mtimeMs ? "cli" : "cli-bundle";
}

const folder = entryFolder();
// Before platpass's modules load, so that Node 22.1+ compiles each from its cache.
if (module.enableCompileCache)
  (await import(`../dist/${folder}/compile-cache.js`)).enableCompileCache();
const { main } = await import(`../dist/${folder}/main.js`);
process.exitCode = await main(process.argv.slice(2));
