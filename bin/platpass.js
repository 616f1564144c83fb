#!/usr/bin/env node
"use strict";
/**
 * platpass's command line. A CommonJS script (bin/package.json), so that starting it needs no
 * ES module loader: it runs the CLI bundle dist/cli-bundle/main.cjs (scripts/bundle-cli.mjs)
 * as one script that V8 compiles from its code cache after the first run. What the command
 * table alone answers (the overview, --version, a command's --help) comes from table.cjs, the
 * same main without any command's code.
 *
 * The code cache is this user's, one file per command and Node under
 * $PLATPASS_CACHE/node-compile-cache (default ~/.cache/platpass/…), used only when that folder is
 * the running user's alone (mode 0700): whoever can write it could hand the next run code to
 * execute, and platpass often runs as root. A file per Node (cli-dtb.v20.20.2-x64.v8), so that two
 * Nodes used in turn (a CI matrix, a version manager) do not each throw the other's away. A cache
 * file names the Node, the architecture and the bundle's size, mtime and inode it was made from;
 * any other is made anew. No cache failure fails a command.
 *
 * In a checkout (src/ is there), a bundle older than tsc's dist/cli/ (`tsc` alone after an
 * edit) or than a built-in plugin in boards/ is passed over for dist/cli/, so that the edited
 * code runs. An installed package has no src/ and always runs the bundle.
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
const BUNDLES = join(ROOT, "dist", "cli-bundle");
const MAIN = join(BUNDLES, "main.cjs");
const TABLE = join(BUNDLES, "table.cjs");
/** Words after which main may answer from the command table alone. */
const TABLE_WORDS = new Set(["--help", "-h", "help", "--version", "-V"]);

const stat = (path) => statSync(path, { throwIfNoEntry: false });

/** In a checkout, whether tsc's output or a built-in plugin changed since the bundles were made. */
function bundlesAreCurrent(bundle, table) {
  if (!bundle || !table) return false;
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

/** The cache file of command word `name` for this Node. */
function cacheFileName(name) {
  return `cli-${name}.${process.version}-${process.arch}.v8`;
}

function readCache(path, key) {
  try {
    const data = readFileSync(path);
    const end = data.indexOf(10);
    return end > 0 && data.subarray(0, end).toString() === key ? data.subarray(end + 1) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(path, key, script) {
  try {
    const temp = `${path}.${process.pid}`;
    writeFileSync(temp, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]), {
      mode: 0o600,
    });
    renameSync(temp, path);
  } catch {
    // A full or read-only cache folder leaves the next run compiling the bundle again.
  }
}

/**
 * Compiles and evaluates one bundle (`s`, its stat, keys the cache file `name`: it is used when
 * it holds this bundle's code) and returns its exports, and `keep(name)` to write the cache when
 * it was not used.
 */
function loadBundle(file, s, dir, name) {
  const key = [process.version, process.arch, s.size, s.mtimeMs, s.ino].join(" ");
  const path = dir && join(dir, cacheFileName(name));
  const cached = path && readCache(path, key);
  // esbuild writes ASCII only, so latin1 reads it exactly and without decoding.
  const source = readFileSync(file, "latin1");
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __platpassModuleUrl, __platpassImport) {${source}\n})`,
    { filename: file, cachedData: cached },
  );
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    require("node:module").createRequire(file),
    module,
    file,
    BUNDLES,
    pathToFileURL(file).href,
    (url) => import(url),
  );
  const keep = (as) => {
    if (path && as === name && (!cached || script.cachedDataRejected)) {
      writeCache(path, key, script);
    }
  };
  return { exports: module.exports, keep };
}

/** Nothing, or a help or version word before any "--": main may answer from the table. */
function mayAnswerFromTable(argv) {
  const end = argv.indexOf("--");
  return argv.length === 0 || (end < 0 ? argv : argv.slice(0, end)).some((a) => TABLE_WORDS.has(a));
}

async function runBundles(argv, bundles) {
  const dir = cacheDir();
  if (mayAnswerFromTable(argv)) {
    const table = loadBundle(TABLE, bundles.table, dir, "table");
    if (!table.exports.runsCommand(argv)) {
      const code = await table.exports.main(argv);
      table.keep("table");
      return code;
    }
  }
  // Read under the first word; only a command's own word keeps a file (a typo makes none).
  const word = /^[a-z][a-z-]{0,31}$/.test(argv[0] ?? "") ? argv[0] : "_";
  const full = loadBundle(MAIN, bundles.main, dir, word);
  const code = await full.exports.main(argv);
  if (full.exports.commandWords.has(word)) full.keep(word);
  return code;
}

async function run(argv) {
  const bundles = { main: stat(MAIN), table: stat(TABLE) };
  if (bundlesAreCurrent(bundles.main, bundles.table)) return runBundles(argv, bundles);
  const { main } = await import(pathToFileURL(join(ROOT, "dist", "cli", "main.js")).href);
  return main(argv);
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
