/**
 * Over Debian's arm64 kernel DTBs (577 boards), each device planned alone as 'platpass plan
 * CONFIG --host-dtb BOARD' plans it, the guest nodes checked by dt-validate against Linux
 * 6.1's bindings as --validate checks them (one validatePlans for the whole test: as many
 * dt-validate runs side by side as cores, each distinct small tree once, only the guest and
 * host nodes checked, not the ancestors and phandle providers around them).
 *
 * A device is clean when its guest nodes have no binding error the plan introduced (errors
 * the host node has too are the board's), explained when every introduced error is about a
 * property the plan names in a guest-driver finding, warned when some is named only in a
 * warning (a property or child node the plan says it leaves out, not that the driver needs
 * it), else unexplained.
 *
 * - Every device a plugin other than generic takes (by its compatibles: the per-class plugins
 *   and QEMU's own), 916 of them, each planned twice: with plugin "generic" (before) and with
 *   the plugin that scores best (after). Every one must be clean or explained after. What
 *   dt-validate costs is per node it checks (every schema that can select any node, about
 *   110, runs on each; vendor-prefixes.yaml's thousand patterns most), not per file or start:
 *   an excerpt's root, bus and phandle-provider stubs were most of its nodes, and checking
 *   only the nodes asked about (checkOnly) took the 1872 plans' validation from 207 s to
 *   58 s on two cores, the whole test from 267 s to 124 s (planning 50 s of it).
 * - A seeded sample of 40 devices of 40 distinct compatibles (any with MMIO and a
 *   compatible), each planned alone with its best plugin: every one clean or explained.
 * - Every node a plan adds besides the device's own node has a compatible a driver in Linux
 *   6.1's drivers/ serves (read from linux-source-6.1 itself, test/support/linux-drivers.ts).
 * - The README's per-plugin table is the one this run counts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBindings } from "../../../src/env/bindings.js";
import { findNode, walk } from "../../../src/fdt/index.js";
import { asStrings } from "../../../src/fdt/values.js";
import type { LoadedPlan } from "../../../src/world/plan-file.js";
import { validatePlans } from "../../../src/world/validate-plan.js";
import { type Judgement, judge } from "../../support/binding-verdict.js";
import { linuxDriverCompatibles } from "../../support/linux-drivers.js";
import { readme, readmeTableAfter } from "../../support/readme.js";
import {
  type CorpusDevice,
  emptyTally,
  markdownTable,
  type Planned,
  type PluginRow,
  planAlone,
  readCorpus,
  seededShuffle,
} from "./corpus-plans.js";

/** The README's words right before the table. */
const README_TABLE_AFTER = "each plugin's instances, planned alone:";
const SAMPLE_SEED = 15;
const SAMPLE_SIZE = 40;

/** One device planned alone, and once validated, judged. */
interface Case {
  of: CorpusDevice;
  planned: Planned;
  judged?: Judgement;
}

let dir: string;
const classCases: { before: Case; after: Case }[] = [];
/** Every instance in the corpus per plugin other than generic. */
const instances = new Map<string, number>();
const sample: Case[] = [];
const seconds: Record<string, number> = {};

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await fn();
  seconds[what] = (performance.now() - started) / 1000;
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const loadedOf = (c: Case): LoadedPlan | undefined =>
  "loaded" in c.planned ? c.planned.loaded : undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "platpass-corpus-validate-"));
  await loadBindings({ progress: (line) => process.stderr.write(`${line}\n`) });
  const { devices } = await timed("read", readCorpus);
  const config = join(dir, "vm.json");
  await timed("plan", async () => {
    const taken = devices.filter((d) => d.plugin !== "generic");
    for (const d of taken) instances.set(d.plugin, (instances.get(d.plugin) ?? 0) + 1);
    for (const of of taken) {
      const before = { of, planned: await planAlone(config, of, "generic") };
      classCases.push({ before, after: { of, planned: await planAlone(config, of) } });
    }
    // One device per compatible: compatibles, and each one's devices, in a seeded order.
    const byCompatible = groupBy(devices, (d) => d.device.compatible[0]!);
    for (const key of seededShuffle([...byCompatible.keys()].sort(), SAMPLE_SEED)) {
      if (sample.length === SAMPLE_SIZE) break;
      const of = seededShuffle(byCompatible.get(key)!, SAMPLE_SEED)[0]!;
      const planned = await planAlone(config, of);
      if ("loaded" in planned) sample.push({ of, planned });
    }
  });
  const cases = [...classCases.flatMap((c) => [c.before, c.after]), ...sample].filter(loadedOf);
  await timed("validate", async () => {
    const result = await validatePlans(
      cases.map((c) => {
        const { plan, guest } = loadedOf(c)!;
        return { plan, guest, host: c.of.board.tree };
      }),
    );
    cases.forEach((c, i) => {
      c.judged = judge(loadedOf(c)!.plan.devices[0]!, result.plans[i]!);
    });
  });
  const times = Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`);
  process.stderr.write(
    `corpus: ${devices.length} devices, ${classCases.length} taken by a plugin other than generic; ${cases.length} plans validated; ${times.join(", ")}\n`,
  );
}, 900_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Per plugin other than generic: its instances, judged before (generic) and after (it). */
function pluginRows(): PluginRow[] {
  const rows = new Map<string, PluginRow>();
  for (const { before, after } of classCases) {
    const name = after.of.plugin;
    const row =
      rows.get(name) ??
      rows
        .set(name, {
          plugin: name,
          instances: instances.get(name)!,
          validated: 0,
          before: emptyTally(),
          after: emptyTally(),
        })
        .get(name)!;
    row.validated += 1;
    for (const [c, tally] of [
      [before, row.before],
      [after, row.after],
    ] as const) {
      tally[c.judged?.verdict ?? "refused"] += 1;
    }
  }
  return [...rows.values()].sort((a, b) => a.plugin.localeCompare(b.plugin));
}

/** A judged case's introduced errors no finding names: the warned ones say so. */
const unnamed = (c: Case) => [
  ...c.judged!.warned.map((e) => `${named(c)} [${c.of.plugin}]: only a warning names ${e}`),
  ...c.judged!.unexplained.map((e) => `${named(c)} [${c.of.plugin}]: unexplained ${e}`),
];

const named = (c: Case) => `${c.of.board.label} ${c.of.device.name} (${c.of.device.compatible[0]})`;

describe("Debian's arm64 DTBs, each device alone, against Linux 6.1's bindings", () => {
  it("every instance a plugin other than generic takes is clean or explained by a finding", () => {
    const table = markdownTable(pluginRows());
    process.stderr.write(`${table}\n`);
    const failing = classCases.flatMap(({ after }) =>
      after.judged
        ? unnamed(after)
        : [
            `${named(after)} [${after.of.plugin}]: refused, ${(after.planned as { refused: string }).refused}`,
          ],
    );
    expect(failing).toEqual([]);
  });

  it(`a seeded sample of ${SAMPLE_SIZE} devices of distinct compatibles: every one clean or explained`, () => {
    expect(sample).toHaveLength(SAMPLE_SIZE);
    const lines = sample.map(
      (c) =>
        `  ${c.judged!.verdict.padEnd(11)} ${named(c)} [${c.of.plugin}]${
          c.judged!.verdict !== "clean"
            ? ` findings: ${loadedOf(c)!
                .plan.devices[0]!.findings.map((f) => f.property)
                .join(", ")}`
            : ""
        }`,
    );
    const clean = sample.filter((c) => c.judged!.verdict === "clean").length;
    process.stderr.write(
      `sample (seed ${SAMPLE_SEED}): ${clean} of ${sample.length} binding-clean\n${lines.join("\n")}\n`,
    );
    expect(sample.flatMap(unnamed)).toEqual([]);
  });

  it("every node a plan adds besides the device's own has a compatible a Linux 6.1 driver serves", async () => {
    const { source, served } = await linuxDriverCompatibles();
    const added = new Map<string, { count: number; example: string }>();
    for (const c of [...classCases.map((k) => k.after), ...sample]) {
      const loaded = loadedOf(c);
      if (!loaded) continue;
      const [own, ...others] = loaded.plan.devices[0]!.guestNodes;
      const nodes = [
        ...[...walk(findNode(loaded.guest, own!)!)].slice(1),
        ...others.flatMap((p) => [...walk(findNode(loaded.guest, p)!)]),
      ];
      for (const node of nodes) {
        const value = node.property("compatible");
        // A child of the device's own node without a compatible (an MDIO PHY, say) is the
        // device's, matched by its parent's driver; an added root node must have one.
        if (!value && node.parent?.path !== "/") continue;
        const key = value ? asStrings(value).join(", ") : `(none) ${node.path}`;
        const seen = added.get(key) ?? { count: 0, example: `${named(c)} ${node.path}` };
        added.set(key, { ...seen, count: seen.count + 1 });
      }
    }
    const listed = [...added].map(
      ([key, { count, example }]) => `  ${key}: ${count}, e.g. ${example}`,
    );
    process.stderr.write(
      `nodes added besides the devices' own (${source}):\n${listed.join("\n")}\n`,
    );
    const unserved = [...added.keys()].filter(
      (key) => !key.split(", ").some((compatible) => served.has(compatible)),
    );
    expect(added.size).toBeGreaterThan(0);
    expect(unserved).toEqual([]);
  });

  it("the README's per-plugin table and sample count are this run's", () => {
    const clean = sample.filter((c) => c.judged!.verdict === "clean").length;
    expect(readme).toContain(
      `sample of ${SAMPLE_SIZE} devices (seed ${SAMPLE_SEED}): ${clean} of ${SAMPLE_SIZE} are clean`,
    );
    expect(readmeTableAfter(README_TABLE_AFTER)).toBe(markdownTable(pluginRows()));
  });
});
