/**
 * Hostile board DTBs through the real CLI (`list --host-dtb F --json`, `dt dts F`), each shape
 * at 1×, 10× and 100×, as child processes under a time limit and a heap limit: nothing may end
 * in the internal-error exit (70) or a signal, and time must grow about linearly. Linearity is
 * judged against process start-up measured in the same test and with a wide margin — a
 * quadratic walk at 100× costs 10,000× its 1× work and runs into the time limit instead.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { writeDtb } from "../../src/fdt/index.js";
import { Fdt, FdtNode } from "../../src/fdt/tree.js";
import { SHAPES } from "./hostile-corpus.js";

const bin = new URL("../../bin/platpass.js", import.meta.url).pathname;
const SCALES = [1, 10, 100];
const TIME_LIMIT_MS = 120_000;
/** Linear growth from 1× to 100× is 100×; anything under 300× passes. */
const GROWTH_BOUND = 300;

let dir: string;
/** Peak RSS is written here by a preload in the child, since a parent cannot ask for it. */
let preload: string;
let startup: number;

interface Run {
  code: number | undefined;
  signal: string | undefined;
  ms: number;
  rssMb: number;
  stderr: string;
}

async function run(args: string[], inputBytes: number): Promise<Run> {
  const rssFile = join(dir, `rss-${process.hrtime.bigint()}`);
  // Heap limit: what a small constant factor of the input allows, and never less than 512 MB.
  const heapMb = Math.max(512, Math.ceil((inputBytes / 1e6) * 200));
  const start = performance.now();
  const r = await execa(
    "node",
    [`--max-old-space-size=${heapMb}`, "--require", preload, bin, ...args],
    {
      reject: false,
      timeout: TIME_LIMIT_MS,
      env: { PLATPASS_RSS_FILE: rssFile },
      stdout: "ignore",
      maxBuffer: 1e6,
    },
  );
  const ms = performance.now() - start;
  let rssMb = Number.NaN;
  try {
    rssMb = Number(readFileSync(rssFile, "utf8")) / 1024;
  } catch {}
  return {
    code: r.exitCode,
    signal: r.signal ?? (r.timedOut ? "timeout" : undefined),
    ms,
    rssMb,
    stderr: String(r.stderr).slice(0, 300),
  };
}

beforeAll(async () => {
  dir = join(tmpdir(), "hostile-dtb");
  mkdirSync(dir, { recursive: true });
  preload = join(dir, "rss.cjs");
  // VmHWM, not getrusage's maxrss: that one keeps the forked parent's size across exec.
  writeFileSync(
    preload,
    `process.on("exit", () => { const fs = require("node:fs"); const m = /VmHWM:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8")); fs.writeFileSync(process.env.PLATPASS_RSS_FILE, m ? m[1] : "NaN"); });\n`,
  );
  const tiny = join(dir, "tiny.dtb");
  writeFileSync(tiny, writeDtb(new Fdt(new FdtNode(""))));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) times.push((await run(["list", "--host-dtb", tiny, "--json"], 0)).ms);
  startup = Math.min(...times);
  console.log(`process start-up: ${startup.toFixed(0)} ms`);
});

describe.each(SHAPES.map((s) => [s.name, s] as const))("hostile DTB: %s", (name, shape) => {
  it("never crashes, stays in memory and grows linearly, for list and dt dts", async () => {
    const files = SCALES.map((k) => {
      const blob = shape.build(k);
      const f = join(dir, `${name}-${k}.dtb`);
      writeFileSync(f, blob);
      return { k, f, bytes: blob.length };
    });
    for (const command of [
      ["list", "--host-dtb"],
      ["dt", "dts"],
    ]) {
      const runs: Run[] = [];
      for (const { k, f, bytes } of files) {
        const args = command[0] === "list" ? [...command, f, "--json"] : [...command, f];
        const r = await run(args, bytes);
        console.log(
          `${name} ${command.join(" ")} ${k}x: ${(bytes / 1e6).toFixed(2)} MB in, exit ${r.code ?? r.signal}, ${r.ms.toFixed(0)} ms, RSS ${r.rssMb.toFixed(0)} MB`,
        );
        expect(r.signal, r.stderr).toBeUndefined();
        expect(r.code, r.stderr).not.toBe(70);
        expect([0, 3], r.stderr).toContain(r.code);
        runs.push(r);
      }
      // Work beyond start-up, with a floor so a 1× run lost in start-up noise is no divisor.
      const work = (r: Run) => Math.max(r.ms - startup, 0);
      const floor = Math.max(work(runs[0]!), startup / 4);
      expect(work(runs[2]!)).toBeLessThan(GROWTH_BOUND * floor);
    }
  }, 600_000);
});

describe("inputs that are not a DTB of bounded size", () => {
  it("refuses /dev/zero, a FIFO and a file over the cap before reading them (exit 3)", async () => {
    const fifo = join(dir, "fifo.dtb");
    await execa("mkfifo", [fifo]);
    const big = join(dir, "big.dtb");
    await execa("truncate", ["-s", `${64 * 1024 * 1024 + 1}`, big]);
    for (const [f, code] of [
      ["/dev/zero", "DT_FILE_NOT_REGULAR"],
      [fifo, "DT_FILE_NOT_REGULAR"],
      [big, "DT_FILE_TOO_LARGE"],
    ] as const) {
      for (const args of [
        ["list", "--host-dtb", f],
        ["dt", "dts", f],
      ]) {
        const r = await run(args, 0);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(3);
        expect(r.stderr).toContain(code);
        expect(r.stderr).toContain(f);
        expect(r.ms).toBeLessThan(startup * 5 + 2000);
      }
    }
  });

  it("refuses nodes nested deeper than the reader's limit with exit 3", async () => {
    const root = new FdtNode("");
    let n = root;
    for (let d = 0; d < 300; d++) n = n.attachChild(`n${d}`);
    const f = join(dir, "too-deep.dtb");
    writeFileSync(f, writeDtb(new Fdt(root)));
    const r = await run(["list", "--host-dtb", f, "--json"], 0);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("FDT_TOO_DEEP");
  });

  it("will not write a node name the reader would refuse", () => {
    const root = new FdtNode("");
    root.attachChild("x".repeat(100_000));
    expect(() => writeDtb(new Fdt(root))).toThrow(/cannot write node name/);
  });
});
