/**
 * Over Debian's arm64 kernel DTBs (577 boards), each device planned alone as 'platpass plan
 * CONFIG --host-dtb BOARD' plans it, the guest nodes checked by dt-validate against Linux
 * 6.1's bindings as --validate checks them (validatePlans: two dt-validate runs side by side
 * for the whole test, each distinct small tree once).
 *
 * A device is clean when its guest nodes have no binding error the plan introduced (errors
 * the host node has too are the board's), explained when every introduced error is about a
 * property the plan names in a guest-driver finding, warned when some is named only in a
 * warning (a property or child node the plan says it leaves out, not that the driver needs
 * it), else unexplained.
 *
 * - The devices a plugin other than generic takes (by their compatibles: the per-class
 *   plugins and QEMU's own): per plugin and distinct compatible list a seeded PER_KIND of
 *   them, each planned twice: with plugin "generic" (before) and with the plugin that scores
 *   best (after). Every one must be clean or explained after. All 916 (1872 plans) were
 *   validated once, every one clean or explained after, but that cost 342 s of dt-validate
 *   and 50 s of planning against 44 s and 5 s for two per kind on the same loaded two cores:
 *   dt-validate's cost is per distinct small tree (about 0.2 s each in a batch, growing with
 *   the schema subset: 40 dwc3 guest trees take 2 s with their subset, 32 s with all 3027
 *   schemas), not its start. PER_KIND is what stays within a minute more.
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
/**
 * Instances validated per plugin and distinct compatible list (seeded): 3 makes 113 of the 916.
 * On the same loaded two cores the whole test took, against 66 s with 2 (78 devices): 90 s with
 * 3, 126 s with 4 (147), 152 s with 6 (205), 416 s with all.
 */
const PER_KIND = 3;
const SAMPLE_SIZE = 40;

/** One device planned alone, and once validated, judged. */
interface Case {
  of: CorpusDevice;
  planned: Planned;
  judged?: Judgement;
}

let dir: string;
const classCases: { before: Case; after: Case }[] = [];
/** Every instance in the corpus per plugin other than generic, validated or not. */
const instances = new Map<string, number>();
const sample: Case[] = [];
const seconds: Record<string, number> = {};

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await fn();
  seconds[what] = (performance.now() - started) / 1000;
  return out;
}

const kindOf = (c: Case) => c.of.device.compatible.join(" ");

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
    const kinds = groupBy(taken, (d) => `${d.plugin} ${d.device.compatible.join(" ")}`);
    for (const key of [...kinds.keys()].sort()) {
      for (const of of seededShuffle(kinds.get(key)!, SAMPLE_SEED).slice(0, PER_KIND)) {
        const before = { of, planned: await planAlone(config, of, "generic") };
        classCases.push({ before, after: { of, planned: await planAlone(config, of) } });
      }
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
  // Two dt-validate runs side by side (two cores), each over half the cases in compatible
  // order, so each run's schema subset holds about half the compatibles.
  const ordered = [...cases].sort((a, b) => kindOf(a).localeCompare(kindOf(b)));
  const halves = [ordered.slice(0, ordered.length >> 1), ordered.slice(ordered.length >> 1)];
  await timed("validate", () =>
    Promise.all(
      halves.map(async (half) => {
        const result = await validatePlans(
          half.map((c) => {
            const { plan, guest } = loadedOf(c)!;
            return { plan, guest, host: c.of.board.tree };
          }),
        );
        half.forEach((c, i) => {
          c.judged = judge(loadedOf(c)!.plan.devices[0]!, result.plans[i]!);
        });
      }),
    ),
  );
  const times = Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`);
  process.stderr.write(
    `corpus: ${devices.length} devices, ${[...instances.values()].reduce((a, b) => a + b, 0)} taken by a plugin other than generic (${classCases.length} of those validated); ${cases.length} plans validated; ${times.join(", ")}\n`,
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
          sampled: 0,
          before: emptyTally(),
          after: emptyTally(),
        })
        .get(name)!;
    row.sampled += 1;
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
