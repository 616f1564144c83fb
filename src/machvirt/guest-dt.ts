/**
 * Guest device-tree assembly: QEMU's base DTB plus the nodes of the devices platpass
 * placed on the platform bus. Nodes come in as plain data (GuestNode); platpass owns
 * their `reg` (bus-relative, from the allocation), `interrupts` (`<0 112+n flags>`), unit
 * address and phandles; the board plugin owns every other property.
 *
 * The platform-bus node is found by its compatible ("qemu,platform"), never by name. Its
 * `interrupt-parent` must be the GIC (QEMU sets it; platpass sets it when missing), and
 * device nodes inherit it, exactly like the nodes QEMU writes itself (hw/core/sysbus-fdt.c).
 */
import { randomBytes } from "node:crypto";
import { InputError } from "../errors.js";
import {
  allocatePhandle,
  ensurePhandle,
  findCompatible,
  findNode,
  interruptParent,
  phandleOf,
} from "../fdt/lookup.js";
import { cloneFdt, type Fdt, type FdtNode, walk } from "../fdt/tree.js";
import { asU32, cells } from "../fdt/values.js";
import type { IrqTrigger } from "../vfio/types.js";
import { gicSpecifier, PLATFORM_BUS_COMPATIBLE } from "./layout.js";

/** A reference to a node's phandle: a label of a node added in the same call, or a path in the base. */
export interface PhandleRef {
  ref: string;
}

/** Raw bytes, or cells where some are phandles of other nodes (`clocks = <&clk0 &clk1>`). */
export type GuestValue = Uint8Array | { cells: (number | PhandleRef)[] };

/** A node below a device node: its `reg` is in the device's own address space. */
export interface GuestChild {
  name: string;
  /** Other nodes refer to this one with `{ ref: label }`; it then gets a fresh phandle. */
  label?: string;
  properties?: Record<string, GuestValue>;
  children?: GuestChild[];
}

export interface GuestNode extends GuestChild {
  /** Base name without unit address ("tpm", "ethernet"); the unit address is the first region's offset. */
  name: string;
  /** Where the node goes: under the platform bus (default) or at the root (e.g. fixed clocks). */
  at?: "platform-bus" | "root";
  /** Bus-relative MMIO regions from the allocation, in `reg` order. */
  regions?: readonly { offset: number; size: number }[];
  /** Platform-bus lines from the allocation, in `interrupts` order. */
  irqs?: readonly { line: number; trigger: IrqTrigger }[];
}

const OWNED = new Set(["reg", "interrupts", "interrupt-parent", "phandle", "linux,phandle"]);
/** What platpass writes on a child: a child's `reg` is in its device's own address space (an MDIO PHY's address), so the child gives it. */
const OWNED_BY_CHILD = new Set(["interrupt-parent", "phandle", "linux,phandle"]);

function refuse(code: string, message: string, where: string, hint?: string): InputError {
  return new InputError(code, message, { where, ...(hint ? { hint } : {}) });
}

/** The single platform-bus node of a `virt` DTB. */
export function platformBusNode(fdt: Fdt): FdtNode {
  const found = findCompatible(fdt, PLATFORM_BUS_COMPATIBLE);
  if (found.length !== 1) {
    throw refuse(
      "GUEST_DT_NO_PLATFORM_BUS",
      `the base DTB has ${found.length} nodes compatible with "${PLATFORM_BUS_COMPATIBLE}", expected exactly one`,
      "base DTB",
      "Use a DTB dumped by QEMU's virt machine (-machine virt,dumpdtb=FILE) as the base.",
    );
  }
  return found[0] as FdtNode;
}

/** A guest node's name in the tree: its base name, and its first region's offset as unit address. */
export function guestNodeName(node: Pick<GuestNode, "name" | "regions">): string {
  const first = node.regions?.[0];
  return first === undefined ? node.name : `${node.name}@${first.offset.toString(16)}`;
}

/**
 * Returns a new tree: `base` with `nodes` added. Throws InputError for a base without a
 * platform bus or GIC, a property platpass owns, an unknown phandle reference, a name that
 * is taken, or regions and interrupts on a node outside the platform bus.
 */
export function assembleGuestDtb(base: Fdt, nodes: readonly GuestNode[]): Fdt {
  const fdt = cloneFdt(base);
  const bus = platformBusNode(fdt);
  const gic = interruptParent(fdt, bus) ?? findGic(fdt);
  checkGic(gic, bus);
  if (!bus.hasProperty("interrupt-parent")) {
    bus.setProperty("interrupt-parent", cells(ensurePhandle(fdt, gic)));
  }
  const addressCells = cellCount(bus, "#address-cells");
  const sizeCells = cellCount(bus, "#size-cells");

  const labels = new Map<string, FdtNode>();
  const pending: { node: FdtNode; properties: Record<string, GuestValue> }[] = [];
  const create = (parent: FdtNode, data: GuestChild, name: string, child: boolean): FdtNode => {
    const owned = child ? OWNED_BY_CHILD : OWNED;
    for (const property of Object.keys(data.properties ?? {}).filter((p) => owned.has(p))) {
      throw refuse(
        "GUEST_DT_OWNED_PROPERTY",
        `node "${data.name}" sets "${property}", which platpass writes itself`,
        `${parent.path}/${name}`,
        "Give regions and irqs (and labels for phandles) instead; platpass derives reg, interrupts and phandle.",
      );
    }
    const node = parent.addChild(name);
    if (data.label !== undefined) {
      if (labels.has(data.label)) {
        throw refuse("GUEST_DT_DUPLICATE_LABEL", `label "${data.label}" is used twice`, node.path);
      }
      labels.set(data.label, node);
    }
    pending.push({ node, properties: data.properties ?? {} });
    for (const c of data.children ?? []) create(node, c, c.name, true);
    return node;
  };

  for (const n of nodes) {
    const onBus = (n.at ?? "platform-bus") === "platform-bus";
    const regions = n.regions ?? [];
    const irqs = n.irqs ?? [];
    if (!onBus && (regions.length > 0 || irqs.length > 0)) {
      throw refuse(
        "GUEST_DT_NOT_ON_BUS",
        `node "${n.name}" is placed at the root but has platform-bus regions or interrupts`,
        `/${n.name}`,
      );
    }
    const node = create(onBus ? bus : fdt.root, n, guestNodeName(n), false);
    if (regions.length > 0) {
      const words = regions.flatMap((r) => [
        ...split(r.offset, addressCells, node.path),
        ...split(r.size, sizeCells, node.path),
      ]);
      node.setProperty("reg", cells(...words));
    }
    if (irqs.length > 0) {
      node.setProperty(
        "interrupts",
        cells(...irqs.flatMap((i) => gicSpecifier(i.line, i.trigger))),
      );
    }
  }

  for (const node of labels.values()) node.setProperty("phandle", cells(allocatePhandle(fdt)));
  for (const { node, properties } of pending) {
    for (const [name, value] of Object.entries(properties)) {
      node.setProperty(name, encode(fdt, labels, value, node.path));
    }
  }
  checkPhandlesUnique(fdt);
  return fdt;
}

/** Gives /chosen fresh rng-seed and kaslr-seed values when it has them (a cached dump repeats QEMU's). */
export function reseedChosen(fdt: Fdt, random: (n: number) => Uint8Array = randomBytes): void {
  const chosen = fdt.root.child("chosen");
  if (!chosen) return;
  for (const name of ["rng-seed", "kaslr-seed"]) {
    const old = chosen.property(name);
    if (old) chosen.setProperty(name, Uint8Array.from(random(old.length)));
  }
}

/** The GIC by compatible, for a base whose platform bus and root name no interrupt parent. */
function findGic(fdt: Fdt): FdtNode | undefined {
  return [...findCompatible(fdt, "arm,gic-v3"), ...findCompatible(fdt, "arm,cortex-a15-gic")][0];
}

function checkGic(gic: FdtNode | undefined, bus: FdtNode): asserts gic is FdtNode {
  const icells = gic?.property("#interrupt-cells");
  if (!gic?.hasProperty("interrupt-controller") || !icells || asU32(icells) !== 3) {
    throw refuse(
      "GUEST_DT_NO_GIC",
      "the platform bus's interrupt parent is not a GIC with #interrupt-cells = <3>",
      bus.path,
      "Use a DTB dumped by QEMU's virt machine as the base.",
    );
  }
}

function cellCount(node: FdtNode, prop: string): number {
  const v = node.property(prop);
  if (!v) throw refuse("GUEST_DT_BAD_BUS", `the platform-bus node has no ${prop}`, node.path);
  return asU32(v);
}

/** A number as `count` big-endian cells. */
function split(value: number, count: number, where: string): number[] {
  const words: number[] = [];
  let rest = BigInt(value);
  for (let i = 0; i < count; i++) {
    words.unshift(Number(rest & 0xffff_ffffn));
    rest >>= 32n;
  }
  if (rest !== 0n) {
    throw refuse(
      "GUEST_DT_VALUE_TOO_WIDE",
      `0x${value.toString(16)} needs more than ${count} cell(s)`,
      where,
    );
  }
  return words;
}

function encode(
  fdt: Fdt,
  labels: Map<string, FdtNode>,
  value: GuestValue,
  where: string,
): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return cells(
    ...value.cells.map((c) => {
      if (typeof c === "number") return c;
      const target =
        labels.get(c.ref) ?? (c.ref.startsWith("/") ? findNode(fdt, c.ref) : undefined);
      if (!target) {
        throw refuse(
          "GUEST_DT_UNKNOWN_REF",
          `reference to "${c.ref}" matches no label of the added nodes and no path in the base`,
          where,
        );
      }
      return ensurePhandle(fdt, target);
    }),
  );
}

function checkPhandlesUnique(fdt: Fdt): void {
  const seen = new Map<number, string>();
  for (const n of walk(fdt.root)) {
    const ph = phandleOf(n);
    if (ph === undefined) continue;
    const other = seen.get(ph);
    if (other) {
      throw refuse(
        "GUEST_DT_DUPLICATE_PHANDLE",
        `phandle ${ph} is used by ${other} and ${n.path}`,
        n.path,
      );
    }
    seen.set(ph, n.path);
  }
}
