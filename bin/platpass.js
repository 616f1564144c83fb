#!/usr/bin/env node
import module from "node:module";

// Before platpass's modules load, so that Node 22.1+ compiles each from its cache.
if (module.enableCompileCache) (await import("../dist/cli/compile-cache.js")).enableCompileCache();
const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
