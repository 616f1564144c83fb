/**
 * The compatibles Linux 6.1's drivers serve, read from Debian's linux-source-6.1 (the package
 * the bindings come from, src/env/bindings.ts): every `.compatible = "X"` initializer in a C
 * file under drivers/ (the entries of of_device_id tables), and every literal a driver tests
 * a node with, `of_device_is_compatible(np, "X")` (how the MDIO core takes
 * "ethernet-phy-ieee802.3-c22" PHYs). Read once from the tarball (xz: about 15 s) and cached
 * beside the package as JSON.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SOURCE_PACKAGE } from "../../src/env/bindings.js";
import { debianPackage } from "../../src/env/debian.js";

const SERVED = [
  /\.compatible\s*=\s*"([^"]+)"/g,
  /\b(?:of|fwnode)_device_is_compatible\(\s*[^,()]+,\s*"([^"]+)"\s*\)/g,
];

/** The literals of `.compatible = "X"` and `of_device_is_compatible(np, "X")` in C text (any line breaks). */
export function servedCompatibles(line: string): string[] {
  return SERVED.flatMap((re) => [...line.matchAll(re)].map((m) => m[1]!));
}

/** Longer than any initializer or call above spans, so a chunk's end cuts none in two. */
const OVERLAP = 512;

async function scanTarball(tarball: string): Promise<string[]> {
  const tar = spawn("tar", ["-xOf", tarball, "--wildcards", "*/drivers/*.c"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((done) => tar.on("close", done));
  const found = new Set<string>();
  let carry = "";
  for await (const chunk of tar.stdout.setEncoding("latin1")) {
    const text = carry + (chunk as string);
    for (const c of servedCompatibles(text)) found.add(c);
    carry = text.slice(-OVERLAP);
  }
  const status = await exited;
  if (status !== 0) throw new Error(`tar -xOf ${tarball} exited ${status}`);
  return [...found].sort();
}

/** What Linux 6.1's drivers/ serve (see above), with the package version it was read from. */
export async function linuxDriverCompatibles(): Promise<{ source: string; served: Set<string> }> {
  const pkg = await debianPackage(SOURCE_PACKAGE, "all");
  const source = `${SOURCE_PACKAGE} ${pkg.version}`;
  const cached = join(pkg.root, "..", "driver-compatibles.json");
  if (!existsSync(cached)) {
    const dir = join(pkg.root, "usr/src");
    const tarball = (await readdir(dir)).find((f) => f.startsWith(`${SOURCE_PACKAGE}.tar`));
    if (!tarball) throw new Error(`${SOURCE_PACKAGE} holds no tarball in ${dir}`);
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(await scanTarball(join(dir, tarball))));
    await rename(tmp, cached);
  }
  return { source, served: new Set(JSON.parse(await readFile(cached, "utf8")) as string[]) };
}
