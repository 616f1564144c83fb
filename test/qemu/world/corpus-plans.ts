/**
 * Debian's arm64 kernel DTBs as hosts to plan single devices on: each board read once, each
 * device planned alone as 'platpass plan CONFIG --host-dtb BOARD' plans it, and the counts
 * the corpus test prints and the README shows.
 */
import { writeFile } from "node:fs/promises";
import { hostTreeOf } from "../../../src/boards/host-tree.js";
import { loadRegistry } from "../../../src/boards/loader.js";
import { matchReport } from "../../../src/boards/match.js";
import { isPlatpassError } from "../../../src/errors.js";
import { readDtbFile } from "../../../src/fdt/index.js";
import type { Fdt } from "../../../src/fdt/tree.js";
import type { HostDevice } from "../../../src/host/device.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { type LoadedPlan, planConfigFile } from "../../../src/world/plan-file.js";
import type { Verdict } from "../../support/binding-verdict.js";
import { debianDtbs } from "../fdt/corpus.js";

export interface CorpusBoard {
  /** "debian:rockchip/rk3399-firefly.dtb" */
  label: string;
  path: string;
  tree: Fdt;
  devices: HostDevice[];
}

export interface CorpusDevice {
  board: CorpusBoard;
  device: HostDevice;
  /** The plugin a plan picks for it by score. */
  plugin: string;
}

/**
 * Every board, and every device a plugin can take (MMIO and a compatible: what the generic
 * plugin asks) with the plugin that would.
 */
export async function readCorpus(): Promise<{ boards: CorpusBoard[]; devices: CorpusDevice[] }> {
  const registry = await loadRegistry();
  const boards: CorpusBoard[] = [];
  const devices: CorpusDevice[] = [];
  for (const file of await debianDtbs()) {
    const tree = await readDtbFile(file.path);
    const board = { label: file.label, path: file.path, tree, devices: devicesFromDtb(tree) };
    boards.push(board);
    const hostTree = hostTreeOf(tree);
    for (const device of board.devices) {
      if (device.regions.length === 0 || device.compatible.length === 0) continue;
      const plugin = matchReport(registry, device, hostTree).plugin;
      if (plugin) devices.push({ board, device, plugin });
    }
  }
  return { boards, devices };
}

export type Planned = { loaded: LoadedPlan } | { refused: string };

/**
 * 'platpass plan' of a config holding this one device (the named plugin, else the best
 * scoring), machine accel tcg, with the board read once (as --host-dtb reads it) rather
 * than again per plan. A plan platpass refuses is its error code and message.
 */
export async function planAlone(
  config: string,
  { board, device }: Pick<CorpusDevice, "board" | "device">,
  plugin?: string,
): Promise<Planned> {
  const entry = plugin ? { host: device.name, plugin } : { host: device.name };
  await writeFile(config, JSON.stringify({ devices: [entry], machine: { accel: "tcg" } }));
  try {
    const loaded = await planConfigFile(config, {
      hostDtb: board.path,
      host: { devices: board.devices, tree: board.tree },
    });
    return { loaded };
  } catch (e) {
    if (!isPlatpassError(e)) throw e;
    return { refused: `${e.code}: ${e.message}` };
  }
}

/** A seeded, reproducible shuffle (mulberry32 driving Fisher-Yates). */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type Tally = Record<Verdict | "refused", number>;
export const emptyTally = (): Tally => ({
  clean: 0,
  explained: 0,
  warned: 0,
  unexplained: 0,
  refused: 0,
});

export interface PluginRow {
  plugin: string;
  /** Its instances in the corpus. */
  instances: number;
  /** Those validated (all: the column shows none was left out). */
  validated: number;
  /** The same devices planned with plugin "generic". */
  before: Tally;
  /** Planned with the plugin that scores best. */
  after: Tally;
}

const cell = (t: Tally) =>
  `${t.clean} / ${t.explained} / ${t.warned} / ${t.unexplained}${t.refused ? ` (${t.refused} refused)` : ""}`;

/** The rows as the README's Markdown table. */
export function markdownTable(rows: readonly PluginRow[]): string {
  return [
    "| plugin | instances | validated | generic: clean / explained / warned / unexplained | the plugin: clean / explained / warned / unexplained |",
    "| --- | ---: | ---: | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${r.plugin} | ${r.instances} | ${r.validated} | ${cell(r.before)} | ${cell(r.after)} |`,
    ),
  ].join("\n");
}
