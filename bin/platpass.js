#!/usr/bin/env node
"use strict";
/**
 * platpass's command line. A CommonJS script (bin/package.json), so that starting it needs no
 * ES module loader: it runs the CLI bundle dist/cli-bundle/main.cjs (scripts/bundle-cli.mjs)
 * as one script that V8 compiles from its code cache after the first run.
 *
 * The code cache is this user's, one file per command under $PLATPASS_CACHE/node-compile-cache
 * (default ~/.cache/platpass/…), used only when that folder is the running user's alone (mode
 * 0700): whoever can write it could hand the next run code to execute, and platpass often runs
 * as root. A cache file names the Node, the architecture and the bundle's size, mtime and inode
 * it was made from; any other is made anew. No cache failure fails a command.
 *
 * In a checkout (src/ is there), a bundle older than tsc's dist/cli/ (`tsc` alone after an
 * edit) or than a built-in plugin in boards/ is passed over for dist/cli/, so that the edited
 * code runs. An installed package has
 * no src/ and always runs the bundle.
 */
const {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} = require("node:fs");
const { homedir } = require("node:os");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const vm = require("node:vm");

const ROOT = join(__dirname, "..");
const BUNDLE = join(ROOT, "dist", "cli-bundle", "main.cjs");

const stat = (path) => statSync(path, { throwIfNoEntry: false });

/** In a checkout, whether tsc's output or a built-in plugin changed since the bundle was made. */
function bundleIsCurrent(bundle) {
  if (!bundle) return false;
  if (!stat(join(ROOT, "src"))) return true;
  const boards = join(ROOT, "boards");
  const inputs = [join(ROOT, "dist", "cli", "main.js")];
  for (const f of readdirSync(boards)) if (f.endsWith(".js")) inputs.push(join(boards, f));
  return inputs.every((f) => (stat(f)?.mtimeMs ?? 0) <= bundle.mtimeMs);
}

/** The same folder as src/env/cache.ts's cacheRoot() names. */
function cacheDir() {
  const root =
    process.env.PLATPASS_CACHE ||
    join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "platpass");
  const dir = join(root, "node-compile-cache");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = lstatSync(dir);
    const own = s.isDirectory() && s.uid === process.getuid() && (s.mode & 0o077) === 0;
    return own ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * This run's cache file and the key its first line must hold. A word that is no command (a
 * typo, an option) shares one file: `known` is the bundle's own list, and only a command's file
 * is written.
 */
function cacheFile(dir, bundle, argv, known) {
  if (!dir) return undefined;
  const word = argv[0] ?? "";
  const command = /^[a-z][a-z-]{0,31}$/.test(word) && (!known || known.has(word)) ? word : "_";
  const key = [process.version, process.arch, bundle.size, bundle.mtimeMs, bundle.ino].join(" ");
  return { path: join(dir, `cli-${command}.v8`), key };
}

function readCache(file) {
  try {
    const data = readFileSync(file.path);
    const end = data.indexOf(10);
    return end > 0 && data.subarray(0, end).toString() === file.key
      ? data.subarray(end + 1)
      : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file, script) {
  try {
    const temp = `${file.path}.${process.pid}`;
    writeFileSync(temp, Buffer.concat([Buffer.from(`${file.key}\n`), script.createCachedData()]), {
      mode: 0o600,
    });
    renameSync(temp, file.path);
  } catch {
    // A full or read-only cache folder leaves the next run compiling the bundle again.
  }
}

async function runBundle(bundle, argv) {
  const dir = cacheDir();
  const file = cacheFile(dir, bundle, argv);
  const cachedData = file && readCache(file);
  const source = readFileSync(BUNDLE, "utf8");
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __platpassModuleUrl, __platpassImport) {${source}\n})`,
    { filename: BUNDLE, cachedData },
  );
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    require("node:module").createRequire(BUNDLE),
    module,
    BUNDLE,
    join(ROOT, "dist", "cli-bundle"),
    pathToFileURL(BUNDLE).href,
    (url) => import(url),
  );
  const code = await module.exports.main(argv);
  const own = file && cacheFile(dir, bundle, argv, module.exports.commandWords);
  if (own && own.path === file.path && (!cachedData || script.cachedDataRejected)) {
    writeCache(file, script);
  }
  return code;
}

async function run(argv) {
  const bundle = stat(BUNDLE);
  if (bundleIsCurrent(bundle)) return runBundle(bundle, argv);
  const { main } = await import(pathToFileURL(join(ROOT, "dist", "cli", "main.js")).href);
  return main(argv);
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
