/**
 * The offline host: the same HostModel built from a board DTB, for planning on a machine
 * that is not the board. Device names, regions and IRQs come from the DT as the kernel
 * would derive them; drivers, groups and modules are unknown.
 */
import { type PhandleCollision, phandleIndex } from "../../fdt/lookup.js";
import type { Fdt, FdtNode } from "../../fdt/tree.js";
import type { HostDevice } from "../device.js";
import type { HostModel } from "../model.js";
import { deviceReadiness, offlineHostReadiness } from "../readiness.js";
import { compatibleOf } from "./dtprops.js";
import { deviceMsi } from "./msi.js";
import { kernelDeviceName } from "./naming.js";
import { populatedNodes } from "./populate.js";
import { interruptsFromDt, regionsFromDt } from "./resources.js";

/** Each device with why its DT node yields fewer IRQs than it lists, if it does. */
function devicesWithProblems(fdt: Fdt): { device: HostDevice; problem: string | undefined }[] {
  return populatedNodes(fdt.root).map(({ node, bus }) => {
    const { irqs, problem } = interruptsFromDt(node);
    return { device: deviceOf(node, bus, irqs), problem };
  });
}

function deviceOf(node: FdtNode, bus: HostDevice["bus"], irqs: HostDevice["irqs"]): HostDevice {
  return {
    name: kernelDeviceName(node),
    bus,
    dtPath: node.path,
    compatible: compatibleOf(node),
    properties: node.properties,
    driver: undefined,
    driverOverride: undefined,
    iommuGroup: undefined,
    groupPeers: [],
    regions: regionsFromDt(node),
    irqs,
    source: "device-tree",
    msi: bus === "platform" ? deviceMsi(node) : undefined,
  };
}

export function devicesFromDtb(fdt: Fdt): HostDevice[] {
  return devicesWithProblems(fdt).map((d) => d.device);
}

/** Phandles named in a note before the rest are only counted. */
const COLLISIONS_NAMED = 5;

/**
 * The note for phandles more than one node claims. Linux's of_find_node_by_phandle takes the
 * first node in tree order, and so does platpass; the note names both so the user can tell
 * whether that is the node the board meant.
 */
function collisionNote(collisions: readonly PhandleCollision[]): string | undefined {
  if (collisions.length === 0) return undefined;
  const seen = new Set<number>();
  const named: string[] = [];
  for (const c of collisions) {
    if (seen.has(c.phandle)) continue;
    seen.add(c.phandle);
    if (named.length < COLLISIONS_NAMED) {
      named.push(`0x${c.phandle.toString(16)} (${c.first.path} and ${c.other.path})`);
    }
  }
  const more = seen.size > named.length ? `, and ${seen.size - named.length} more` : "";
  return `The device tree gives ${seen.size} phandle(s) to more than one node: ${named.join(", ")}${more}. Like Linux, platpass resolves each to the first node in tree order; check the board DTB.`;
}

export function hostFromDtb(fdt: Fdt, origin = "(dtb)"): HostModel {
  const found = devicesWithProblems(fdt);
  const devices = found.map((d) => d.device);
  const host = offlineHostReadiness(fdt);
  const note = collisionNote(phandleIndex(fdt.root).collisions);
  if (note) host.notes.push(note);
  const readiness: HostModel["readiness"] = {};
  for (const { device, problem } of found) {
    const r = deviceReadiness(device, host, undefined);
    if (problem) r.problems.push(`${problem}; the device gets only the IRQs before it`);
    readiness[device.name] = r;
  }
  return { source: "dtb", origin, devices, readiness, host };
}
