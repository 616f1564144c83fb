#!/usr/bin/env node
// `npm pack` and `npm publish` run this first: the package is made from a clean tree, so the
// tarball holds the same files whoever packs it, whatever their checkout has lying around.
//   dist/                     compiled anew, without source maps (src/ is not shipped)
//   dist/cli-bundle/          the CLI bin/platpass.js runs, bundled from src/ after tsc
//   prebuilds/linux-x64/      the addon, node-gyp in a fresh copy of native/ (an x64 packer)
//   prebuilds/linux-arm64/    the addon, cross-compiled from the same copy
// Node-API keeps one binary per architecture good for every Node from 20 on. A prebuilt that
// cannot be made fails the pack: a package without it is the bug this exists to prevent.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const work = join(root, ".prebuild");

function must(title, cmd, args) {
  process.stderr.write(`prepack: ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`prepack: ${title} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}

function fail(message) {
  process.stderr.write(`prepack: ${message}\n`);
  process.exit(1);
}

rmSync(join(root, "dist"), { recursive: true, force: true });
must("tsc without source maps", process.execPath, [
  join(root, "node_modules", "typescript", "bin", "tsc"),
  "-p",
  "tsconfig.json",
  "--sourceMap",
  "false",
]);
must("config JSON Schema", process.execPath, ["dist/config/write-schema.js"]);
must("CLI bundle", process.execPath, ["scripts/bundle-cli.mjs"]);

if (process.arch !== "x64") fail(`the x64 prebuilt needs an x64 packer (this is ${process.arch})`);
// Imported only now: build-native.mjs reads the cache location from the fresh dist/.
const { buildWithGyp } = await import("../native/build.mjs");
const { crossBuildArm64 } = await import("./build-native.mjs");
rmSync(work, { recursive: true, force: true });
mkdirSync(work);
copyFileSync(join(root, "native", "binding.gyp"), join(work, "binding.gyp"));
cpSync(join(root, "native", "src"), join(work, "src"), { recursive: true });

const x64 = buildWithGyp(work);
if (!x64.ok) fail(`linux-x64 addon: ${x64.detail}`);
const arm64 = crossBuildArm64(work, join(work, "arm64", "platpass_vfio.node"));
if (!arm64.ok) fail(`linux-arm64 addon: ${arm64.detail}`);

rmSync(join(root, "prebuilds"), { recursive: true, force: true });
for (const [arch, built] of [
  ["x64", x64.output],
  ["arm64", arm64.output],
]) {
  const dir = join(root, "prebuilds", `linux-${arch}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(built, join(dir, "platpass_vfio.node"));
  process.stderr.write(`prepack: prebuilds/linux-${arch}/platpass_vfio.node\n`);
}
rmSync(work, { recursive: true, force: true });
