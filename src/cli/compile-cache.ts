/**
 * Node's module compile cache (Node 22.1 and later) for platpass's own runs: V8 keeps the
 * code it compiled for each module file, and the next command skips compiling it again.
 * The cache is this user's, under the platpass cache. A directory that is not this user's
 * alone is not used: whoever can write it could hand the next run compiled code to execute.
 * No failure here fails a command; modules are then compiled as usual.
 */
import { lstatSync, mkdirSync } from "node:fs";
import module from "node:module";
import { join } from "node:path";
import { cacheRoot } from "../env/cache.js";

type EnableCompileCache = (directory: string) => unknown;

export function enableCompileCache(): void {
  const enable = (module as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (!enable) return;
  try {
    const dir = join(cacheRoot(), "node-compile-cache");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = lstatSync(dir);
    if (!s.isDirectory() || s.uid !== process.getuid?.() || (s.mode & 0o077) !== 0) return;
    enable(dir);
  } catch {
    // An unwritable cache root (a read-only home) leaves the modules compiled as usual.
  }
}
