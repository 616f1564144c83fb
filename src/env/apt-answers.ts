/**
 * apt-cache's answers, kept while apt's view of the archive stays the same. On a machine
 * whose apt keeps no binary package cache (Debian's container images turn pkgcache.bin
 * off), every `apt-cache policy` or `search` parses all the package lists again: 2 to 5 s
 * each here, and every emulated-host boot asked three times. An answer is reused only while
 * the lists, the sources, the pinning and dpkg's architectures look as they did when it was
 * given (each one's mtime and size), so `apt-get update` or a new source makes them all new.
 */
import { statSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { cacheRoot } from "./cache.js";

/** What decides apt-cache's answers: where it reads packages, sources and pins from. */
const APT_STATE = [
  "/var/lib/apt/lists",
  "/etc/apt/sources.list",
  "/etc/apt/sources.list.d",
  "/etc/apt/preferences",
  "/etc/apt/preferences.d",
  "/var/lib/dpkg/arch",
];

/** The stamp of apt's state now; undefined when the lists cannot be read (nothing is kept). */
export function aptStamp(paths: readonly string[] = APT_STATE): string | undefined {
  const parts: string[] = [];
  for (const p of paths) {
    try {
      const s = statSync(p);
      parts.push(`${p}:${s.mtimeMs}:${s.size}`);
    } catch {
      if (p === paths[0]) return undefined;
      parts.push(`${p}:-`);
    }
  }
  return parts.join(" ");
}

interface Answers {
  stamp: string;
  answers: Record<string, string>;
}

const file = () => join(cacheRoot(), "apt-answers.json");

async function load(stamp: string): Promise<Record<string, string>> {
  try {
    const kept = JSON.parse(await readFile(file(), "utf8")) as Partial<Answers>;
    const fresh = kept.stamp === stamp && kept.answers && typeof kept.answers === "object";
    return fresh ? { ...kept.answers } : {};
  } catch {
    return {};
  }
}

/**
 * `apt-cache ARGS`' standard output: kept from an earlier run while apt's state is the same,
 * else asked anew. A failed apt-cache's output is passed on, never kept.
 */
export async function aptCache(args: readonly string[]): Promise<string> {
  const stamp = aptStamp();
  const key = args.join("\u0000");
  const answers = stamp ? await load(stamp) : {};
  const kept = answers[key];
  if (typeof kept === "string") return kept;
  const r = await execa("apt-cache", [...args], { reject: false });
  if (r.exitCode !== 0 || !stamp || aptStamp() !== stamp) return r.stdout;
  answers[key] = r.stdout;
  try {
    await mkdir(cacheRoot(), { recursive: true });
    const tmp = `${file()}.${process.pid}`;
    await writeFile(tmp, JSON.stringify({ stamp, answers } satisfies Answers), { mode: 0o600 });
    await rename(tmp, file());
  } catch {
    // A read-only or full cache only means asking apt again next time.
  }
  return r.stdout;
}
