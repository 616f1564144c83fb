/**
 * Which device-tree nodes Linux 6.1 turns into platform and AMBA devices at boot
 * (of_platform_default_populate_init in drivers/of/platform.c): a few reserved-memory
 * compatibles, the children of /firmware, then the root's children with a `compatible`,
 * descending into simple-bus / simple-mfd / isa / arm,amba-bus nodes; `arm,primecell`
 * nodes become AMBA devices. Nodes that are not available (status) or were already
 * populated are skipped, as the kernel's OF_POPULATED flags do.
 *
 * What this cannot know offline: nodes claimed before populate by built-in early drivers
 * (irqchips, timers, clocks marked OF_POPULATED by their *_OF_DECLARE init) get no
 * platform device on a real boot, but are listed here.
 */
import type { FdtNode } from "../fdt/tree.js";
import type { HostBus } from "./device.js";
import { isAvailable, isCompatible } from "./dtprops.js";
import { translatedReg } from "./translate.js";

export interface PopulatedNode {
  node: FdtNode;
  bus: HostBus;
}

const DEFAULT_BUSES = ["simple-bus", "simple-mfd", "isa", "arm,amba-bus"];
const SKIPPED = ["operating-points-v2"];
const RESERVED_MEMORY_DEVICES = ["qcom,rmtfs-mem", "qcom,cmd-db", "ramoops"];

class Populator {
  readonly out: PopulatedNode[] = [];
  readonly #populated = new Set<FdtNode>();
  readonly #populatedBus = new Set<FdtNode>();

  /** of_platform_device_create_pdata: available and not yet populated. */
  platform(node: FdtNode): boolean {
    if (!isAvailable(node) || this.#populated.has(node)) return false;
    this.#populated.add(node);
    this.out.push({ node, bus: "platform" });
    return true;
  }

  /** of_amba_device_create: also needs a translatable first `reg` entry. */
  amba(node: FdtNode): void {
    if (!isAvailable(node) || this.#populated.has(node)) return;
    if (translatedReg(node).length === 0) return;
    this.#populated.add(node);
    this.out.push({ node, bus: "amba" });
  }

  /** of_platform_bus_create with strict = true. */
  busCreate(node: FdtNode, buses: string[]): void {
    if (!node.hasProperty("compatible")) return;
    if (SKIPPED.some((c) => isCompatible(node, c))) return;
    if (this.#populatedBus.has(node)) return;
    if (isCompatible(node, "arm,primecell")) {
      this.amba(node);
      return;
    }
    if (!this.platform(node)) return;
    if (!buses.some((c) => isCompatible(node, c))) return;
    for (const child of node.children) this.busCreate(child, buses);
    this.#populatedBus.add(node);
  }

  /** of_platform_populate: every child of `root`, then `root` counts as populated. */
  populate(root: FdtNode, buses: string[]): void {
    for (const child of root.children) this.busCreate(child, buses);
    this.#populatedBus.add(root);
  }
}

function* everyNode(root: FdtNode): Generator<FdtNode> {
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    stack.push(...[...n.children].reverse());
  }
}

/** The nodes a boot creates devices for, in creation order. */
export function populatedNodes(root: FdtNode): PopulatedNode[] {
  const p = new Populator();
  for (const n of everyNode(root)) {
    if (RESERVED_MEMORY_DEVICES.some((c) => isCompatible(n, c))) p.platform(n);
  }
  const firmware = root.child("firmware");
  if (firmware) p.populate(firmware, []);
  p.populate(root, DEFAULT_BUSES);
  return p.out;
}
