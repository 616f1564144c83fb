/**
 * Hostile host DTBs, generated at a scale factor: each shape is one way a board DTB can make
 * a naive tree walk quadratic, recursive or unbounded. At scale 100 each reproduces the size
 * that took minutes, overflowed the stack or ran out of heap before the walks were made linear.
 */
import { cells, empty, Fdt, FdtNode, str, writeDtb } from "../../src/fdt/index.js";

export interface Shape {
  name: string;
  /** The blob at this scale (1, 10, 100). */
  build(scale: number): Uint8Array;
}

const GIC_PHANDLE = 1;

/** Cells from an array too long to spread into `cells(...)`'s arguments. */
function u32s(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => {
    dv.setUint32(i * 4, w >>> 0);
  });
  return out;
}

function tree(): { fdt: Fdt; root: FdtNode } {
  const root = new FdtNode("");
  root.setProperty("#address-cells", cells(1)).setProperty("#size-cells", cells(1));
  root.setProperty("compatible", str("hostile,board"));
  return { fdt: new Fdt(root), root };
}

function gic(parent: FdtNode, name = "interrupt-controller@8000000"): FdtNode {
  return parent
    .attachChild(name)
    .setProperty("compatible", str("arm,gic-v3"))
    .setProperty("interrupt-controller", empty())
    .setProperty("#interrupt-cells", cells(3))
    .setProperty("reg", cells(0x8000000, 0x10000))
    .setProperty("phandle", cells(GIC_PHANDLE));
}

function simpleBus(parent: FdtNode, name: string): FdtNode {
  return parent
    .attachChild(name)
    .setProperty("compatible", str("simple-bus"))
    .setProperty("#address-cells", cells(1))
    .setProperty("#size-cells", cells(1));
}

function device(parent: FdtNode, name: string, reg: number): FdtNode {
  return parent
    .attachChild(`${name}@${reg.toString(16)}`)
    .setProperty("compatible", str("hostile,dev"))
    .setProperty("reg", cells(reg, 0x1000));
}

/** A `ranges` of 600·scale entries where only the last maps, and 20·scale devices behind it. */
function manyRanges(scale: number): Uint8Array {
  const { fdt, root } = tree();
  const soc = simpleBus(root, "soc");
  const n = 600 * scale;
  const words: number[] = [];
  for (let i = 0; i < n - 1; i++) words.push(0x1000 * i, 0x40000000 + 0x1000 * i, 0x1000);
  words.push(0x80000000, 0x10000000, 0x10000000);
  soc.setProperty("ranges", u32s(words));
  for (let i = 0; i < 20 * scale; i++) device(soc, "dev", 0x80000000 + 0x1000 * i);
  return writeDtb(fdt);
}

/** 200·scale devices inheriting `interrupt-parent` from the root, with the GIC last. */
function inheritedParent(scale: number): Uint8Array {
  const { fdt, root } = tree();
  root.setProperty("interrupt-parent", cells(GIC_PHANDLE));
  const soc = simpleBus(root, "soc").setProperty("ranges", empty());
  for (let i = 0; i < 200 * scale; i++) {
    device(soc, "dev", 0x10000000 + 0x1000 * i).setProperty("interrupts", cells(0, i % 900, 4));
  }
  gic(root);
  return writeDtb(fdt);
}

/** One device with 300·scale `interrupts-extended` entries, behind 100·scale other nodes. */
function extendedChain(scale: number): Uint8Array {
  const { fdt, root } = tree();
  const soc = simpleBus(root, "soc").setProperty("ranges", empty());
  for (let i = 0; i < 100 * scale; i++) soc.attachChild(`filler${i}`);
  const words: number[] = [];
  for (let i = 0; i < 300 * scale; i++) words.push(GIC_PHANDLE, 0, i % 900, 4);
  device(soc, "dev", 0x10000000).setProperty("interrupts-extended", u32s(words));
  gic(root);
  return writeDtb(fdt);
}

/** 3000·scale children of the root, every one a device. */
function wideRoot(scale: number): Uint8Array {
  const { fdt, root } = tree();
  for (let i = 0; i < 3000 * scale; i++) device(root, "d", 0x10000000 + 0x1000 * i);
  return writeDtb(fdt);
}

/** 2·scale chains of buses nested 250 deep (the reader's limit is 256), a device in each. */
function deepChains(scale: number): Uint8Array {
  const { fdt, root } = tree();
  root.setProperty("interrupt-parent", cells(GIC_PHANDLE));
  gic(root);
  for (let c = 0; c < 2 * scale; c++) {
    let bus = root;
    for (let d = 0; d < 250; d++) bus = simpleBus(bus, `b${c}-${d}`).setProperty("ranges", empty());
    device(bus, "leaf", 0x10000000 + 0x1000 * c).setProperty("interrupts", cells(0, 1, 4));
  }
  return writeDtb(fdt);
}

/** One device with 5000·scale properties, each name 40 characters: a long strings block. */
function manyProperties(scale: number): Uint8Array {
  const { fdt, root } = tree();
  const dev = device(root, "dev", 0x10000000);
  for (let i = 0; i < 5000 * scale; i++) {
    dev.setProperty(`vendor,property-${i.toString().padStart(24, "0")}`, cells(i));
  }
  return writeDtb(fdt);
}

/**
 * 2000·scale devices, each with a phandle and an `interrupt-parent` naming the next: every
 * device's controller is at the end of a chain as long as the rest of the tree.
 */
function phandleChain(scale: number): Uint8Array {
  const { fdt, root } = tree();
  const n = 2000 * scale;
  for (let i = 0; i < n; i++) {
    device(root, "dev", 0x10000000 + 0x1000 * i)
      .setProperty("phandle", cells(100 + i))
      .setProperty("interrupt-parent", cells(100 + i + 1))
      .setProperty("interrupts", cells(0, i % 900, 4));
  }
  gic(root).setProperty("phandle", cells(100 + n));
  return writeDtb(fdt);
}

/** `interrupt-parent` cycles: a ring of 100·scale nodes, and 1000·scale devices pointing into it. */
function parentCycles(scale: number): Uint8Array {
  const { fdt, root } = tree();
  const ring = 100 * scale;
  for (let i = 0; i < ring; i++) {
    root
      .attachChild(`ring${i}`)
      .setProperty("phandle", cells(100 + i))
      .setProperty("interrupt-parent", cells(100 + ((i + 1) % ring)));
  }
  for (let i = 0; i < 1000 * scale; i++) {
    device(root, "dev", 0x10000000 + 0x1000 * i)
      .setProperty("interrupt-parent", cells(100 + (i % ring)))
      .setProperty("interrupts", cells(0, 1, 4));
  }
  return writeDtb(fdt);
}

/** A nexus: #address-cells 1, #interrupt-cells 1, the given map and a full mask. */
function nexus(parent: FdtNode, name: string, phandle: number, map: number[]): FdtNode {
  return simpleBus(parent, name)
    .setProperty("ranges", empty())
    .setProperty("#interrupt-cells", cells(1))
    .setProperty("interrupt-map-mask", cells(0xffffffff, 0xffffffff))
    .setProperty("interrupt-map", u32s(map))
    .setProperty("phandle", cells(phandle));
}

/**
 * Two nexus nodes whose maps route into each other (never reaching a controller), a nexus
 * mapping onto itself without being one, and 500·scale devices behind them.
 */
function mapCycles(scale: number): Uint8Array {
  const { fdt, root } = tree();
  const a = nexus(root, "a@10000000", 10, [0x10000000, 1, 11, 0x20000000, 1]);
  const b = nexus(root, "b@20000000", 11, [0x20000000, 1, 10, 0x10000000, 1]);
  const self = nexus(root, "self@30000000", 12, [0x30000000, 1, 12, 0x30000000, 1]);
  const buses = [a, b, self];
  const units = [0x10000000, 0x20000000, 0x30000000];
  for (let i = 0; i < 500 * scale; i++) {
    device(buses[i % 3]!, `dev${i}`, units[i % 3]!).setProperty("interrupts", cells(1));
  }
  gic(root);
  return writeDtb(fdt);
}

/** A nexus with 1000·scale map entries and 100·scale devices matching the last one. */
function bigMap(scale: number): Uint8Array {
  const { fdt, root } = tree();
  gic(root).setProperty("#address-cells", cells(0));
  const n = 1000 * scale;
  const map: number[] = [];
  for (let i = 0; i < n - 1; i++) map.push(0x1000 * i, 1, GIC_PHANDLE, 0, i % 900, 4);
  map.push(0x40000000, 1, GIC_PHANDLE, 0, 7, 4);
  const bus = nexus(root, "pcie@40000000", 20, map);
  bus.setProperty("interrupt-map-mask", cells(0xfffff000, 0xffffffff));
  for (let i = 0; i < 100 * scale; i++) {
    device(bus, "dev", 0x40000000 + i * 0x10).setProperty("interrupts", cells(1));
  }
  return writeDtb(fdt);
}

/** #address-cells, #size-cells and #interrupt-cells near 2^32, on 1000·scale devices. */
function hugeCells(scale: number): Uint8Array {
  const { fdt, root } = tree();
  gic(root).setProperty("#interrupt-cells", cells(0x7fffffff));
  const bus = simpleBus(root, "bus")
    .setProperty("#address-cells", cells(0xffffffff))
    .setProperty("#size-cells", cells(0xfffffffe))
    .setProperty("ranges", cells(0, 0, 0x1000));
  for (let i = 0; i < 1000 * scale; i++) {
    device(bus, "dev", 0x1000 * i)
      .setProperty("interrupts-extended", cells(GIC_PHANDLE, 0, 1, 4, GIC_PHANDLE, 0, 2))
      .setProperty("interrupts", cells(0, 1, 4))
      .setProperty("interrupt-parent", cells(GIC_PHANDLE));
  }
  return writeDtb(fdt);
}

/** 2000·scale nodes all claiming the GIC's phandle. */
function phandleCollisions(scale: number): Uint8Array {
  const { fdt, root } = tree();
  root.setProperty("interrupt-parent", cells(GIC_PHANDLE));
  for (let i = 0; i < 2000 * scale; i++) {
    device(root, "dev", 0x10000000 + 0x1000 * i)
      .setProperty("phandle", cells(GIC_PHANDLE))
      .setProperty("interrupts", cells(0, 1, 4));
  }
  gic(root);
  return writeDtb(fdt);
}

/** A realistic SoC bus (regs, IRQs, clocks, strings) repeated 100·scale times: a large well-formed DTB. */
function largeBoard(scale: number): Uint8Array {
  const { fdt, root } = tree();
  root.setProperty("interrupt-parent", cells(GIC_PHANDLE));
  gic(root);
  for (let s = 0; s < 10 * scale; s++) {
    const soc = simpleBus(root, `soc@${(s * 0x100000).toString(16)}`).setProperty(
      "ranges",
      cells(0, s * 0x100000, 0x100000),
    );
    for (let i = 0; i < 40; i++) {
      device(soc, "uart", i * 0x1000)
        .setProperty("interrupts", cells(0, i, 4, 0, i + 1, 1))
        .setProperty("clocks", cells(GIC_PHANDLE, i))
        .setProperty("clock-names", str("baud", "apb_pclk"))
        .setProperty("status", str("okay"))
        .setProperty("pinctrl-names", str("default"));
    }
  }
  return writeDtb(fdt);
}

const BEGIN_NODE = 1;
const END_NODE = 2;
const PROP = 3;
const END = 9;

/** Header words for a blob whose struct and strings blocks both start at `blocks`. */
function overlappingBlob(structWords: number[], names: string): Uint8Array {
  const nameBytes = Buffer.from(names, "latin1");
  const structOff = 56;
  const total = structOff + structWords.length * 4 + nameBytes.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const header = [0xd00dfeed, total, structOff, structOff, 40, 17, 16, 0, total - structOff];
  header.forEach((w, i) => {
    dv.setUint32(i * 4, w);
  });
  dv.setUint32(36, structWords.length * 4);
  structWords.forEach((w, i) => {
    dv.setUint32(structOff + i * 4, w);
  });
  out.set(nameBytes, structOff + structWords.length * 4);
  return out;
}

/**
 * The strings block is the structure block (the header says both start at the same byte),
 * and 20000·scale properties all name the same 256-character run at its end.
 */
function overlappingBlocks(scale: number): Uint8Array {
  const n = 20000 * scale;
  const words: number[] = [BEGIN_NODE, 0];
  const nameOff = (2 + n * 4 + 2) * 4;
  for (let i = 0; i < n; i++) words.push(PROP, 0, nameOff, 0);
  words.push(END_NODE, END);
  // Every property has the same name: the reader refuses the duplicate, having read one name.
  return overlappingBlob(words, `${"p".repeat(256)}\0`);
}

export const SHAPES: Shape[] = [
  { name: "many-ranges", build: manyRanges },
  { name: "inherited-interrupt-parent", build: inheritedParent },
  { name: "interrupts-extended", build: extendedChain },
  { name: "wide-root", build: wideRoot },
  { name: "deep-chains", build: deepChains },
  { name: "many-properties", build: manyProperties },
  { name: "phandle-chain", build: phandleChain },
  { name: "interrupt-parent-cycles", build: parentCycles },
  { name: "interrupt-map-cycles", build: mapCycles },
  { name: "big-interrupt-map", build: bigMap },
  { name: "huge-cells", build: hugeCells },
  { name: "phandle-collisions", build: phandleCollisions },
  { name: "large-board", build: largeBoard },
  { name: "overlapping-blocks", build: overlappingBlocks },
];
