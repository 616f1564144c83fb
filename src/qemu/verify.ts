/**
 * Proof that QEMU wired what platpass planned, asked of the running QEMU itself:
 * - `info mtree -f` (the flattened "memory" address space): every planned region is mapped at
 *   its planned guest address with its planned size;
 * - `info qtree`: the device exists on the main system bus with as many sysbus IRQs and MMIO
 *   regions, of the same sizes in order, as planned;
 * - QOM: each sysbus IRQ (`sysbus-irq[i]` link) ends at the GIC input the plan gave it. On
 *   `virt` the platform bus lines go straight to GIC inputs, and GIC input N is SPI N.
 * The plan's data is the expectation; QEMU's answers are the oracle. Parsing is pure; only
 * `verifyWiring` talks to QEMU.
 */
import { QemuError } from "../errors.js";
import { hex } from "../text.js";

/** What verification needs from one planned device (structurally a subset of the plan's). */
export interface PlannedWiring {
  host: string;
  qemuDevice: string;
  /** The qdev id given on `-device`, when the plan sets one. */
  id?: string | undefined;
  regions: readonly { index: number; size: number; guestAddress: number }[];
  irqs: readonly { index: number; spi: number }[];
  /** MemoryRegion names per region index; vfio devices default to QEMU's "VFIO HOST region N". */
  regionNames?: readonly string[];
}

export interface FlatRange {
  start: number;
  /** Inclusive, as mtree prints it. */
  end: number;
  name: string;
}

export interface QtreeDevice {
  type: string;
  id: string;
  irqCount: number;
  mmioSizes: number[];
  properties: Record<string, string>;
}

/** The flat ranges of the system "memory" address space from `info mtree -f`. */
export function parseFlatMemory(text: string): FlatRange[] {
  const ranges: FlatRange[] = [];
  let inMemory = false;
  for (const raw of text.replace(/\r/g, "").split("\n")) {
    if (raw.startsWith("FlatView #")) {
      inMemory = false;
      continue;
    }
    if (/^ AS "memory",/.test(raw)) inMemory = true;
    if (!inMemory) continue;
    const m = /^\s+([0-9a-f]+)-([0-9a-f]+) \(prio -?\d+, [^)]+\): (.*)$/.exec(raw);
    if (m) {
      ranges.push({
        start: Number.parseInt(m[1]!, 16),
        end: Number.parseInt(m[2]!, 16),
        name: m[3]!.trim(),
      });
    } else if (ranges.length > 0 && raw.trim() && !/^ (AS|Root) /.test(raw)) {
      // QEMU names vfio regions "VFIO dev region N\n": the name continues on the next line.
      const last = ranges[ranges.length - 1]!;
      last.name = `${last.name} ${raw.trim()}`;
    }
  }
  return ranges;
}

/** The devices directly on `main-system-bus` in `info qtree`. */
export function parseQtree(text: string): QtreeDevice[] {
  const devices: QtreeDevice[] = [];
  let current: QtreeDevice | undefined;
  let inMainBus = false;
  for (const raw of text.replace(/\r/g, "").split("\n")) {
    if (/^bus: /.test(raw)) inMainBus = raw.trim() === "bus: main-system-bus";
    if (!inMainBus) continue;
    const dev = /^ {2}dev: ([^,]+), id "(.*)"$/.exec(raw);
    if (dev) {
      current = { type: dev[1]!, id: dev[2]!, irqCount: 0, mmioSizes: [], properties: {} };
      devices.push(current);
      continue;
    }
    if (!current || !raw.startsWith("    ") || raw.startsWith("     ")) continue;
    const line = raw.trim();
    const irq = /^gpio-out "sysbus-irq" (\d+)$/.exec(line);
    const mmio = /^mmio [0-9a-f]+\/([0-9a-f]+)$/.exec(line);
    const prop = /^([\w-]+) = (.*)$/.exec(line);
    if (irq) current.irqCount = Number(irq[1]);
    else if (mmio) current.mmioSizes.push(Number.parseInt(mmio[1]!, 16));
    else if (prop) current.properties[prop[1]!] = prop[2]!.replace(/^"(.*)"$/, "$1");
  }
  return devices;
}

export function regionName(device: PlannedWiring, index: number): string {
  return device.regionNames?.[index] ?? `VFIO ${device.host} region ${index}`;
}

/** Mismatches between the planned MMIO and the flat memory map (mmap subregions included). */
export function checkMemoryMap(devices: readonly PlannedWiring[], flat: FlatRange[]): string[] {
  const problems: string[] = [];
  for (const d of devices) {
    for (const r of d.regions) {
      const name = regionName(d, r.index);
      const parts = flat.filter((f) => f.name === name || f.name.startsWith(`${name} `));
      const where = `${d.host} region ${r.index}`;
      if (parts.length === 0) {
        problems.push(`${where}: QEMU maps no memory region named "${name}"`);
        continue;
      }
      const start = Math.min(...parts.map((p) => p.start));
      const end = Math.max(...parts.map((p) => p.end));
      const covered = parts.reduce((n, p) => n + (p.end - p.start + 1), 0);
      if (start !== r.guestAddress || end + 1 - start !== r.size || covered !== r.size) {
        problems.push(
          `${where}: planned ${hex(r.guestAddress)}+${hex(r.size)}, QEMU maps ${hex(start)}-${hex(end)} (${hex(covered)} bytes)`,
        );
      }
    }
  }
  return problems;
}

/** Finds the qtree entry of a planned device: by id, else by its `host` property. */
export function findQtreeDevice(
  device: PlannedWiring,
  tree: QtreeDevice[],
): QtreeDevice | undefined {
  return tree.find((q) =>
    device.id
      ? q.id === device.id
      : q.type === device.qemuDevice && q.properties.host === device.host,
  );
}

/** Mismatches between the planned devices and the qtree's sysbus devices. */
export function checkQtree(devices: readonly PlannedWiring[], tree: QtreeDevice[]): string[] {
  const problems: string[] = [];
  for (const d of devices) {
    const q = findQtreeDevice(d, tree);
    if (!q) {
      problems.push(`${d.host}: no ${d.qemuDevice} device in QEMU's qtree`);
      continue;
    }
    if (q.type !== d.qemuDevice)
      problems.push(`${d.host}: QEMU made a ${q.type}, planned ${d.qemuDevice}`);
    if (q.irqCount !== d.irqs.length) {
      problems.push(
        `${d.host}: QEMU gave it ${q.irqCount} sysbus IRQ(s), planned ${d.irqs.length}`,
      );
    }
    const planned = [...d.regions].sort((a, b) => a.index - b.index).map((r) => r.size);
    if (q.mmioSizes.join(",") !== planned.join(",")) {
      problems.push(
        `${d.host}: QEMU's MMIO region sizes are [${q.mmioSizes.map(hex).join(", ")}], planned [${planned.map(hex).join(", ")}]`,
      );
    }
  }
  return problems;
}

/** The GIC input number at the end of a `sysbus-irq[i]` link ("…/unnamed-gpio-in[144]"). */
export function gicInputOf(linkPath: string): number | undefined {
  const m = /gpio-in\[(\d+)\]$/.exec(linkPath);
  return m ? Number(m[1]) : undefined;
}

/** The part of a QMP client verification needs. */
export interface QmpExecutor {
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
}

async function hmp(qmp: QmpExecutor, commandLine: string): Promise<string> {
  return String(await qmp.execute("human-monitor-command", { "command-line": commandLine }));
}

async function qomPathOf(qmp: QmpExecutor, d: PlannedWiring): Promise<string | undefined> {
  if (d.id) return `/machine/peripheral/${d.id}`;
  const children = (await qmp.execute("qom-list", { path: "/machine/peripheral-anon" })) as {
    name: string;
    type: string;
  }[];
  for (const c of children.filter((x) => x.type === `child<${d.qemuDevice}>`)) {
    const path = `/machine/peripheral-anon/${c.name}`;
    const host = await qmp.execute("qom-get", { path, property: "host" });
    if (host === d.host) return path;
  }
  return undefined;
}

async function checkIrqLinks(
  qmp: QmpExecutor,
  devices: readonly PlannedWiring[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const d of devices) {
    const path = await qomPathOf(qmp, d);
    if (!path) {
      problems.push(`${d.host}: not found under /machine/peripheral*`);
      continue;
    }
    for (const irq of d.irqs) {
      const link = String(
        await qmp.execute("qom-get", { path, property: `sysbus-irq[${irq.index}]` }),
      );
      const input = gicInputOf(link);
      if (input !== irq.spi) {
        problems.push(
          `${d.host} IRQ ${irq.index}: planned SPI ${irq.spi}, QEMU wired it to ${link || "nothing"}`,
        );
      }
    }
  }
  return problems;
}

export interface WiringEvidence {
  flat: FlatRange[];
  qtree: QtreeDevice[];
}

/**
 * Asks the running QEMU how it wired the planned devices; throws a QemuError listing every
 * mismatch. The caller stops the guest on that error.
 */
export async function verifyWiring(
  qmp: QmpExecutor,
  devices: readonly PlannedWiring[],
): Promise<WiringEvidence> {
  const flat = parseFlatMemory(await hmp(qmp, "info mtree -f"));
  const qtree = parseQtree(await hmp(qmp, "info qtree"));
  const problems = [
    ...checkQtree(devices, qtree),
    ...checkMemoryMap(devices, flat),
    ...(await checkIrqLinks(qmp, devices)),
  ];
  if (problems.length > 0) {
    throw new QemuError(
      "QEMU_WIRING_MISMATCH",
      `QEMU wired the devices differently from the plan: ${problems.join("; ")}`,
      {
        where: "QEMU's info mtree -f / info qtree / QOM sysbus-irq links",
        hint: "The guest was stopped: its device tree would describe addresses or interrupts QEMU does not use. Report this with 'platpass plan --json' and the QEMU version; it means platpass's model of QEMU's platform bus is wrong for this QEMU.",
      },
    );
  }
  return { flat, qtree };
}
