/**
 * platpass as a user gets it: the checkout's tracked files copied to a fresh folder (so
 * nothing lying around in the work tree can reach the tarball), `npm pack` there (which runs
 * prepack: dist anew, both prebuilt addons), and the tarball installed with npm into a scratch
 * project whose PATH has no compiler. The folder lives under the checkout's .test-results so
 * the emulated ARM host, which mounts the checkout at /platpass, sees the same install; a
 * second caller in the same run (the bed lane after the qemu lane) reuses it while the tree's
 * files hash the same. npm runs asynchronously: `npm pack` (tsc, two bundles, two addon builds)
 * can take over a minute, and a test worker whose event loop is blocked that long misses
 * vitest's 60 s RPC deadline ('Timeout calling "onTaskUpdate"', an error failing the lane).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface PackedInstall {
  tarball: string;
  /** The scratch project; platpass is in its node_modules. */
  project: string;
  /** A PATH of node, npm, QEMU, dtc and a shell: no cc, g++ or make. */
  path: string;
  version: string;
}

/** Tools a user of the package needs, linked into one folder that is the whole PATH. */
const TOOLS = ["node", "npm", "npx", "sh", "env", "qemu-system-aarch64", "dtc", "fdtoverlay"];

function which(tool: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error(`${tool} is not on PATH: provision first`);
  return path;
}

async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const r = await execa(cmd, args, { cwd, env, extendEnv: false, timeout: 600_000, reject: false });
  if (r.exitCode !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${r.exitCode ?? r.signal}):\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

function treeFiles(): string[] {
  return execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f && !f.startsWith(".test-results/") && existsSync(join(REPO, f)));
}

/** What the tarball is made of: every file's path and content (a link's target). */
function treeHash(files: string[], extra: string[]): string {
  const hash = createHash("sha256").update(JSON.stringify(extra));
  for (const f of files) {
    const from = join(REPO, f);
    hash.update(`${f}\0`);
    hash.update(lstatSync(from).isSymbolicLink() ? readlinkSync(from) : readFileSync(from));
  }
  return hash.digest("hex");
}

/** Packs the checkout and installs it, with `extra` packages, into `.test-results/NAME`. */
export async function packAndInstall(name: string, extra: string[] = []): Promise<PackedInstall> {
  const root = join(REPO, ".test-results", name);
  const files = treeFiles();
  const key = treeHash(files, extra);
  const stamp = join(root, "stamp.json");
  if (existsSync(stamp)) {
    const done = JSON.parse(readFileSync(stamp, "utf8")) as PackedInstall & { key: string };
    if (done.key === key) return done;
  }
  rmSync(root, { recursive: true, force: true });
  const tree = join(root, "tree");
  for (const f of files) {
    mkdirSync(dirname(join(tree, f)), { recursive: true });
    const from = join(REPO, f);
    if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), join(tree, f));
    else copyFileSync(from, join(tree, f));
  }
  symlinkSync(join(REPO, "node_modules"), join(tree, "node_modules"));
  await run("npm", ["pack", "--pack-destination", root], tree);
  const version = (
    JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }
  ).version;
  const tarball = join(root, `platpass-${version}.tgz`);

  const bin = join(root, "bin");
  mkdirSync(bin);
  for (const tool of TOOLS) symlinkSync(which(tool), join(bin, tool));
  const project = join(root, "project");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "scratch", private: true, type: "module" }, null, 2)}\n`,
  );
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...extra],
    project,
    { ...process.env, PATH: bin },
  );
  const installed: PackedInstall = { tarball, project, path: bin, version };
  writeFileSync(stamp, `${JSON.stringify({ ...installed, key })}\n`);
  return installed;
}
