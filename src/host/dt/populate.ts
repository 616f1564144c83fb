/**
 * Which device-tree nodes Linux 6.1 turns into platform and AMBA devices at boot
 * (of_platform_default_populate_init in drivers/of/platform.c): a few reserved-memory
 * compatibles, the children of /firmware, then the root's children with a `compatible`,
 * descending into simple-bus / simple-mfd / isa / arm,amba-bus nodes; `arm,primecell`
 * nodes become AMBA devices; and the children of USB glue nodes whose driver creates them at
 * probe (GLUE_PARENTS). Nodes that are not available (status) or were already populated are
 * skipped, as the kernel's OF_POPULATED flags do.
 *
 * What this cannot know offline: nodes claimed before populate by built-in early drivers
 * (irqchips, timers, clocks marked OF_POPULATED by their *_OF_DECLARE init) get no
 * platform device on a real boot, but are listed here.
 */
import { type FdtNode, walk } from "../../fdt/tree.js";
import type { HostBus } from "../device.js";
import { compatibleKeys, isAvailable, isCompatibleWithAny } from "./dtprops.js";
import { translatedReg } from "./translate.js";

export interface PopulatedNode {
  node: FdtNode;
  bus: HostBus;
}

const DEFAULT_BUSES = ["simple-bus", "simple-mfd", "isa", "arm,amba-bus"];
/**
 * SoC glue whose Linux 6.1 driver creates its child nodes' devices when it probes
 * (of_platform_populate on its own node: the DWC3 glue drivers dwc3-of-simple, dwc3-qcom,
 * dwc3-imx8mp, dwc3-keystone, dwc3-meson-g12a, dwc3-xilinx, dwc3-exynos, dwc3-am62), so the
 * dwc3 core below a glue is a device of its own on a running host, as it is here.
 */
const GLUE_PARENTS = [
  "rockchip,rk3399-dwc3",
  "allwinner,sun50i-h6-dwc3",
  "hisilicon,hi3670-dwc3",
  "intel,keembay-dwc3",
  "qcom,dwc3",
  "fsl,imx8mp-dwc3",
  "ti,keystone-dwc3",
  "ti,am654-dwc3",
  "ti,am62-usb",
  "amlogic,meson-g12a-usb-ctrl",
  "amlogic,meson-a1-usb-ctrl",
  "xlnx,zynqmp-dwc3",
  "xlnx,versal-dwc3",
  "samsung,exynos5433-dwusb3",
  "samsung,exynos7-dwusb3",
];
const SKIPPED = ["operating-points-v2"];
const PRIMECELL = ["arm,primecell"];
const RESERVED_MEMORY_DEVICES = ["qcom,rmtfs-mem", "qcom,cmd-db", "ramoops"];

class Populator {
  readonly out: PopulatedNode[] = [];
  /** of_device_is_available, or a stand-in that asks what an enabled node would give. */
  readonly #available: (node: FdtNode) => boolean;
  readonly #populated = new Set<FdtNode>();
  readonly #populatedBus = new Set<FdtNode>();

  constructor(available: (node: FdtNode) => boolean) {
    this.#available = available;
  }

  /** of_platform_device_create_pdata: available and not yet populated. */
  platform(node: FdtNode): boolean {
    if (!this.#available(node) || this.#populated.has(node)) return false;
    this.#populated.add(node);
    this.out.push({ node, bus: "platform" });
    return true;
  }

  /** of_amba_device_create: also needs a translatable first `reg` entry. */
  amba(node: FdtNode): void {
    if (!this.#available(node) || this.#populated.has(node)) return;
    if (translatedReg(node).length === 0) return;
    this.#populated.add(node);
    this.out.push({ node, bus: "amba" });
  }

  /** of_platform_bus_create with strict = true, for one node: whether to descend into it. */
  busCreate(node: FdtNode, buses: string[]): boolean {
    if (!node.hasProperty("compatible")) return false;
    const keys = compatibleKeys(node);
    if (isCompatibleWithAny(keys, SKIPPED)) return false;
    if (this.#populatedBus.has(node)) return false;
    if (isCompatibleWithAny(keys, PRIMECELL)) {
      this.amba(node);
      return false;
    }
    if (!this.platform(node)) return false;
    return isCompatibleWithAny(keys, buses) || isCompatibleWithAny(keys, GLUE_PARENTS);
  }

  /**
   * of_platform_populate: every child of `root`, descending into buses depth-first as the
   * kernel's recursion does, with an explicit stack; a bus counts as populated once its
   * children are, and `root` last.
   */
  populate(root: FdtNode, buses: string[]): void {
    const stack: [FdtNode, IterableIterator<FdtNode>][] = [[root, root.childNodes()]];
    while (stack.length > 0) {
      const [bus, children] = stack[stack.length - 1]!;
      const next = children.next();
      if (next.done) {
        stack.pop();
        this.#populatedBus.add(bus);
      } else if (this.busCreate(next.value, buses)) {
        stack.push([next.value, next.value.childNodes()]);
      }
    }
  }
}

/**
 * The nodes a boot creates devices for, in creation order; with `available` () => true, the
 * nodes it would create them for were every node enabled.
 */
export function populatedNodes(
  root: FdtNode,
  available: (node: FdtNode) => boolean = isAvailable,
): PopulatedNode[] {
  const p = new Populator(available);
  for (const n of walk(root)) {
    if (
      n.hasProperty("compatible") &&
      isCompatibleWithAny(compatibleKeys(n), RESERVED_MEMORY_DEVICES)
    )
      p.platform(n);
  }
  const firmware = root.child("firmware");
  if (firmware) p.populate(firmware, []);
  p.populate(root, DEFAULT_BUSES);
  return p.out;
}
