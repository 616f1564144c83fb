/**
 * Devices that depend on devices: a provider reference of one device (`dmas = <&dma 3>`,
 * `resets`) to another device assigned in the same config stays in the guest, pointing at that
 * device's guest node with its cells (boards/generic.js keeps it through
 * ctx.assignedProvider). The links are read back from the built nodes, so only references a
 * node really holds count: each provider referred to gets a label (a phandle in the guest
 * tree), each link a plan note, and the provider's dropped host phandle the words of what
 * replaces it. A provider missing from the config is named in the consumer's finding instead.
 */
import type { HostNode, HostTree, PhandleRef } from "../boards/api.js";
import { asStrings } from "../fdt/values.js";
import type { HostDevice } from "../host/device.js";
import { AMBA_REFUSAL, isAmba } from "../host/dt/amba.js";
import type { GuestNode } from "../machvirt/guest-dt.js";
import type { Assignment, PlanDeviceWarning } from "./types.js";

/** The label of the guest node of the plan's device `index`, when another node refers to it. */
const LABEL = "assigned-device-";
const labelOf = (index: number) => `${LABEL}${index}`;

/**
 * What else a provider node serves that the host cannot give away (its clock tree, power
 * domains, a system controller), or undefined: the hint never proposes assigning the host's
 * CCU for a device's reset line.
 */
function hostEssential(node: HostNode): string | undefined {
  const compatible = node.properties.get("compatible");
  if (node.properties.has("#clock-cells")) return "clock controller";
  if (node.properties.has("#power-domain-cells")) return "power-domain controller";
  if (compatible && asStrings(compatible).includes("syscon")) return "system controller";
  return undefined;
}

export class AssignedProviders {
  /** The plan's devices by their host node's path, in config order. */
  readonly #byPath: Map<string, number>;
  readonly #assigned: readonly HostDevice[];
  readonly #hostDevices: readonly HostDevice[];
  readonly #hostTree: HostTree;

  constructor(assigned: readonly HostDevice[], hostDevices: readonly HostDevice[], tree: HostTree) {
    this.#assigned = assigned;
    this.#hostDevices = hostDevices;
    this.#hostTree = tree;
    this.#byPath = new Map(assigned.map((d, i) => [d.dtPath, i]));
  }

  /** ctx.assignedProvider: the guest node of the assigned device with that host phandle, else a hint. */
  lookup(hostPhandle: number): { ref: PhandleRef; host: string } | { hint: string } {
    const node = this.#hostTree.nodeByPhandle(hostPhandle);
    if (!node) return { hint: `no host node has the provider phandle ${hostPhandle}` };
    const index = this.#byPath.get(node.path);
    const assigned = index === undefined ? undefined : this.#assigned[index];
    if (index !== undefined && assigned)
      return { ref: { ref: labelOf(index) }, host: assigned.name };
    const device = this.#hostDevices.find((d) => d.dtPath === node.path);
    if (!device)
      return {
        hint: `its provider ${node.path} is no host device platpass can assign (disabled, or not a device)`,
      };
    const serves = hostEssential(node);
    if (serves)
      return {
        hint: `its provider ${device.name} is also the host's ${serves}, which stays with the host`,
      };
    if (isAmba(device))
      return { hint: `its provider ${device.name} is an AMBA (PrimeCell) device: ${AMBA_REFUSAL}` };
    if (device.regions.length === 0)
      return { hint: `its provider ${device.name} has no MMIO region to assign` };
    return {
      hint: `assign its provider ${device.name} in the same config and the guest node refers to that device's guest node`,
    };
  }
}

/** One device's property referring to another device's guest node, by config index. */
export interface ProviderLink {
  consumer: number;
  property: string;
  provider: number;
}

/** The links the device nodes (one per device, in config order) hold. */
export function providerLinks(nodes: readonly GuestNode[]): ProviderLink[] {
  const links: ProviderLink[] = [];
  nodes.forEach((node, consumer) => {
    for (const [property, value] of Object.entries(node.properties ?? {})) {
      if (value instanceof Uint8Array) continue;
      const providers = new Set(
        value.cells.flatMap((c) =>
          typeof c !== "number" && c.ref.startsWith(LABEL)
            ? [Number(c.ref.slice(LABEL.length))]
            : [],
        ),
      );
      for (const provider of providers) links.push({ consumer, property, provider });
    }
  });
  return links;
}

/** The device nodes the links point at, each with its label (it gets a phandle). */
export function labelProviders(
  nodes: readonly GuestNode[],
  devices: readonly GuestNode[],
  links: readonly ProviderLink[],
): GuestNode[] {
  const labels = new Map(links.map((l) => [devices[l.provider], labelOf(l.provider)]));
  return nodes.map((n) => {
    const label = labels.get(n);
    return label === undefined ? n : { ...n, label };
  });
}

/** "dmas, resets of X": the properties of `consumer` that refer to `provider`. */
function referring(links: readonly ProviderLink[], devices: readonly Assignment[], at: number) {
  const pairs = new Map<string, { properties: string[]; consumer: number }>();
  for (const l of links.filter((k) => k.provider === at)) {
    const key = String(l.consumer);
    const pair =
      pairs.get(key) ?? pairs.set(key, { properties: [], consumer: l.consumer }).get(key)!;
    pair.properties.push(l.property);
  }
  return [...pairs.values()].map(
    (p) => `${p.properties.join(", ")} of ${devices[p.consumer]?.host ?? "?"}`,
  );
}

/**
 * The assignments with each provider's dropped host phandle replaced by what it is now, and
 * the plan's notes on the groups the links make.
 */
export function withProviderLinks(
  devices: readonly Assignment[],
  links: readonly ProviderLink[],
): { devices: Assignment[]; notes: string[] } {
  const notes = [...new Set(links.map((l) => l.provider))].flatMap((at) => {
    const provider = devices[at];
    if (!provider) return [];
    return referring(links, devices, at).map(
      (what) =>
        `${what} refer to the assigned ${provider.host}'s guest node ${provider.guestNodes[0]}: the two go to the guest together (without ${provider.host} in the config they are dropped; its other users on the host lose it)`,
    );
  });
  const out = devices.map((d, at) => {
    const by = referring(links, devices, at);
    if (by.length === 0) return d;
    const phandle = (w: PlanDeviceWarning) =>
      w.property === "phandle" || w.property === "linux,phandle";
    const warnings = d.warnings.map((w) =>
      phandle(w)
        ? {
            ...w,
            message: `'${w.property}': the guest node has a phandle of its own: ${by.join("; ")} refer to it`,
          }
        : w,
    );
    return { ...d, warnings };
  });
  return { devices: out, notes };
}
