/**
 * The codec against dtc on real DTBs. For each corpus file:
 *   1. dtc's decompile of our read→write equals dtc's decompile of the original;
 *   2. our printDts output, compiled by dtc and decompiled again, equals it too.
 * (printDts's text equals dtc's own except where dtc's would not compile back: see dts.ts.)
 * dtc runs from shell scripts in batches (a process per file per step would dominate the run).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printDts, readDtb, writeDtb } from "../../../src/fdt/index.js";
import { type CorpusFile, debianDtbs, QEMU_VARIANTS, qemuDumps } from "./corpus.js";

const work = await mkdtemp(join(tmpdir(), "platpass-fdt-corpus-"));
const corpus: CorpusFile[] = [...(await debianDtbs()), ...(await qemuDumps(work))];
const BATCH = 50;

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** Shell lines that make dtc's three texts for corpus file i. */
function dtcSteps(i: number, original: string): string {
  const f = (suffix: string) => q(join(work, `${i}.${suffix}`));
  return [
    `dtc -q -I dtb -O dts -o ${f("orig.dts")} ${q(original)} 2>>${f("err")}`,
    `dtc -q -I dtb -O dts -o ${f("ours.dts")} ${f("ours.dtb")} 2>>${f("err")}`,
    `dtc -q -I dts -O dtb -o ${f("printed.dtb")} ${f("printed.dts")} 2>>${f("err")} &&` +
      ` dtc -q -I dtb -O dts -o ${f("reprinted.dts")} ${f("printed.dtb")} 2>>${f("err")}`,
  ].join("\n");
}

beforeAll(async () => {
  await Promise.all(
    corpus.map(async (c, i) => {
      const fdt = readDtb(new Uint8Array(await readFile(c.path)), { source: c.path });
      await writeFile(join(work, `${i}.ours.dtb`), writeDtb(fdt));
      await writeFile(join(work, `${i}.printed.dts`), printDts(fdt));
    }),
  );
  const scripts: string[] = [];
  for (let i = 0; i < corpus.length; i += BATCH) {
    scripts.push(
      corpus
        .slice(i, i + BATCH)
        .map((c, k) => dtcSteps(i + k, c.path))
        .join("\n"),
    );
  }
  const queue = [...scripts];
  const worker = async () => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      await execa("sh", ["-c", s], { reject: false });
    }
  };
  await Promise.all([worker(), worker()]);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** dtc's output for step `suffix` of file i, or its stderr when dtc made none. */
async function dtcText(i: number, suffix: string): Promise<string> {
  try {
    return await readFile(join(work, `${i}.${suffix}`), "utf8");
  } catch {
    const err = await readFile(join(work, `${i}.err`), "utf8").catch(() => "");
    return `<dtc produced no ${suffix}: ${err.trim()}>`;
  }
}

describe("the corpus", () => {
  it("holds at least 200 DTBs, Debian's and every QEMU variant's", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(corpus.filter((c) => c.label.startsWith("debian:")).length).toBeGreaterThanOrEqual(200);
    expect(corpus.filter((c) => c.label.startsWith("qemu:")).length).toBe(QEMU_VARIANTS.length);
  });
});

corpus.forEach((c, i) => {
  describe(c.label, () => {
    it("read→write decompiles as the original does", async () => {
      expect(await dtcText(i, "ours.dts")).toBe(await dtcText(i, "orig.dts"));
    });

    it("printDts recompiled by dtc decompiles as the original does", async () => {
      expect(await dtcText(i, "reprinted.dts")).toBe(await dtcText(i, "orig.dts"));
    });
  });
});
