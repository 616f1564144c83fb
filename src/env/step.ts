/**
 * One cached, resumable build step: the step writes into a fresh temporary directory next
 * to its final place and the directory is renamed into place only when the step finished.
 * A present final directory is the stamp: the step never runs twice, and an interrupted
 * step leaves only a temporary directory that the next run removes.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

export type Progress = (line: string) => void;

export async function cachedStep(
  dir: string,
  title: string,
  progress: Progress,
  build: (tmp: string) => Promise<void>,
): Promise<string> {
  if (existsSync(dir)) return dir;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeStaleTemps(parent, dir);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp);
  const started = Date.now();
  progress(`bed: ${title}…`);
  try {
    await build(tmp);
    await rename(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    // Another process finished the same step first; its result is as good as ours.
    if (existsSync(dir)) return dir;
    throw e;
  }
  progress(`bed: ${title} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Temporary directories of this step left by processes that no longer run. */
async function removeStaleTemps(parent: string, dir: string): Promise<void> {
  const prefix = `${dir.slice(parent.length + 1)}.tmp-`;
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split("-")[0]);
    if (!isAlive(pid)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/** Whether a process with this pid still runs (a temporary directory's owner, say). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A short digest of everything that decides what a step produces (its recipe), used in
 * the step's directory name: a changed recipe builds beside the old result, never over it.
 */
export function recipeDigest(...parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 10);
}
