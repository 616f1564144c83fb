/**
 * bin/platpass.js runs the CLI bundle from V8's code cache, one file per command under
 * $PLATPASS_CACHE/node-compile-cache, and answers help and the version from table.cjs. What a
 * user (or an auditor of a root-run tool) would check: the cache is made and then used as is,
 * by each of two Nodes run in turn, a damaged one changes nothing but is made anew, a folder
 * others could write is never read or written, and the table-only bundle says exactly what the
 * whole CLI says.
 */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { NEWER_NODE_VERSION, nodeRelease } from "../../../src/bed/node.js";
import { cacheRoot } from "../../../src/env/cache.js";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;
const compiledMain = new URL("../../../dist/cli/main.js", import.meta.url).href;
const dtb = new URL("../../unit/host/fixtures/clocks.dtb", import.meta.url).pathname;
const roots: string[] = [];

function freshCache(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), "platpass-code-cache-"));
  roots.push(root);
  return { root, dir: join(root, "node-compile-cache") };
}

const platpass = (cache: string, ...args: string[]) =>
  execa("node", [bin, ...args], { env: { PLATPASS_CACHE: cache }, reject: false });

/** The cache file of command word `word` for this Node (the one running the tests). */
const cacheFile = (dir: string, word: string) =>
  join(dir, `cli-${word}.${process.version}-${process.arch}.v8`);

afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

describe("the CLI's code cache", () => {
  it("is made on a command's first run, private to the user, and used as is after", async () => {
    const { root, dir } = freshCache();
    const first = await platpass(root, "dt", "dts", dtb);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain("/dts-v1/;");
    const file = cacheFile(dir, "dt");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    const key = bytes.subarray(0, bytes.indexOf(10)).toString();
    expect(key.split(" ").slice(0, 2)).toEqual([process.version, process.arch]);
    const second = await platpass(root, "dt", "dts", dtb);
    expect(second.stdout).toBe(first.stdout);
    // Accepted, so not written again.
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it("is one file per Node, so two Nodes run in turn each keep theirs", async () => {
    const newer = await nodeRelease(join(cacheRoot(), "node"), NEWER_NODE_VERSION, "x64", (l) =>
      process.stderr.write(`${l}\n`),
    );
    const { root, dir } = freshCache();
    const onNewer = () =>
      execa(newer.binary, [bin, "dt", "dts", dtb], { env: { PLATPASS_CACHE: root } });
    const ours = await platpass(root, "dt", "dts", dtb);
    const theirs = await onNewer();
    expect(theirs.stdout).toBe(ours.stdout);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(
      [basename(cacheFile(dir, "dt")), `cli-dt.v${NEWER_NODE_VERSION}-${process.arch}.v8`].sort(),
    );
    const before = files.map((f) => readFileSync(join(dir, f)));
    await platpass(root, "dt", "dts", dtb);
    await onNewer();
    // Each accepted its own file, so neither was written again.
    expect(files.map((f, i) => readFileSync(join(dir, f)).equals(before[i]!))).toEqual([
      true,
      true,
    ]);
  }, 600_000);

  it("made anew when damaged, with the command's output unchanged", async () => {
    const { root, dir } = freshCache();
    const good = await platpass(root, "dt", "dts", dtb);
    const file = cacheFile(dir, "dt");
    const key = readFileSync(file).subarray(0, readFileSync(file).indexOf(10)).toString();
    writeFileSync(file, `${key}\n${"x".repeat(4096)}`);
    const damaged = await platpass(root, "dt", "dts", dtb);
    expect(damaged.exitCode).toBe(0);
    expect(damaged.stdout).toBe(good.stdout);
    expect(
      readFileSync(file)
        .subarray(key.length + 1, key.length + 5)
        .toString(),
    ).not.toBe("xxxx");
  });

  it("is neither read nor written in a folder others can write", async () => {
    const trusted = freshCache();
    await platpass(trusted.root, "dt", "dts", dtb);
    const made = readFileSync(cacheFile(trusted.dir, "dt"));
    const key = made.subarray(0, made.indexOf(10)).toString();
    const { root, dir } = freshCache();
    await platpass(root, "--version");
    chmodSync(dir, 0o770);
    const r = await platpass(root, "dt", "dts", dtb);
    expect(r.exitCode).toBe(0);
    expect(await readdir(dir)).not.toContain(basename(cacheFile(dir, "dt")));
    // A file planted there under this bundle's own key: in a private folder V8 would reject
    // its bytes and the run would write a good file over it; here it is left as it is.
    const planted = cacheFile(dir, "dt");
    writeFileSync(planted, `${key}\ngarbage`);
    const again = await platpass(root, "dt", "dts", dtb);
    expect(again.stdout).toBe(r.stdout);
    expect(readFileSync(planted, "utf8")).toBe(`${key}\ngarbage`);
  });

  it("answers help and the version from table.cjs, word for word as the whole CLI", async () => {
    const { root, dir } = freshCache();
    const asks = [
      [],
      ["--help"],
      ["--version"],
      ["plan", "--help"],
      ["bed", "run", "-h"],
      ["dt", "get", "--help"],
    ];
    for (const argv of asks) {
      const table = await platpass(root, ...argv);
      const whole = await execa(
        "node",
        [
          "--input-type=module",
          "-e",
          `const { main } = await import(${JSON.stringify(compiledMain)}); process.exitCode = await main(process.argv.slice(1));`,
          "--",
          ...argv,
        ],
        { reject: false },
      );
      expect([table.exitCode, table.stdout, table.stderr], argv.join(" ")).toEqual([
        whole.exitCode,
        whole.stdout,
        whole.stderr,
      ]);
    }
    expect(await readdir(dir)).toEqual([basename(cacheFile(dir, "table"))]);
  });

  it("keeps no file for a word that is no command", async () => {
    const { root, dir } = freshCache();
    const r = await platpass(root, "frobnicate");
    expect(r.exitCode).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });
});
