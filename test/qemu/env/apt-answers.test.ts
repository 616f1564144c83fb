/**
 * apt-cache's answers kept between runs (src/env/apt-answers.ts), against this machine's
 * real apt: the kept answer is apt's own, it is used without asking apt again, and a change
 * to apt's state, or a kept file about another state, makes apt be asked anew.
 */
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { aptCache, aptStamp } from "../../../src/env/apt-answers.js";

const QUERY = ["policy", "device-tree-compiler"];
let cache: string;
const saved = { cache: process.env.PLATPASS_CACHE, path: process.env.PATH };

beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), "platpass-apt-answers-"));
  process.env.PLATPASS_CACHE = cache;
});
afterEach(() => {
  process.env.PLATPASS_CACHE = saved.cache;
  process.env.PATH = saved.path;
  if (saved.cache === undefined) delete process.env.PLATPASS_CACHE;
});

/** PATH without apt-cache: an answer given now did not come from apt. */
function withoutApt(): void {
  process.env.PATH = mkdtempSync(join(tmpdir(), "platpass-no-apt-"));
}

describe("apt-cache's answers, kept while apt's state is the same", () => {
  it("keeps apt's own answer and gives it again without running apt-cache", async () => {
    const apt = (await execa("apt-cache", QUERY)).stdout;
    expect(apt).toMatch(/Candidate: \S+/);
    expect(await aptCache(QUERY)).toBe(apt);
    const kept = JSON.parse(readFileSync(join(cache, "apt-answers.json"), "utf8"));
    expect(kept.stamp).toBe(aptStamp());
    withoutApt();
    expect(await aptCache(QUERY)).toBe(apt);
  });

  it("asks apt anew when the kept answers are about another state of apt", async () => {
    writeFileSync(
      join(cache, "apt-answers.json"),
      JSON.stringify({ stamp: "another apt", answers: { [QUERY.join("\u0000")]: "stale" } }),
    );
    const answer = await aptCache(QUERY);
    expect(answer).not.toBe("stale");
    expect(answer).toMatch(/Candidate: \S+/);
  });

  it("changes its stamp when a list is rewritten, as apt-get update does", () => {
    const lists = mkdtempSync(join(tmpdir(), "platpass-lists-"));
    const before = aptStamp([lists]);
    utimesSync(lists, new Date(0), new Date(1000));
    expect(aptStamp([lists])).not.toBe(before);
    expect(aptStamp([join(lists, "absent")])).toBeUndefined();
  });

  it("keeps nothing when apt-cache fails, and passes its output on", async () => {
    withoutApt();
    expect(await aptCache(QUERY)).toBe("");
    process.env.PATH = saved.path;
    expect(() => readFileSync(join(cache, "apt-answers.json"))).toThrow(/ENOENT/);
  });
});
