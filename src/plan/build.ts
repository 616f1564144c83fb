/**
 * From a validated config, the host's devices and QEMU's base DTB to a Plan. Pure: no I/O,
 * no processes; the caller reads the host, dumps the base DTB and writes the files.
 *
 * Per device, in config order (= `-device` order): find the host device, pick the plugin,
 * check its preconditions and options, link it on the platform bus exactly as QEMU will, then
 * let the plugin describe its guest node, which machvirt places where QEMU maps the device.
 */
import type { BoardPlugin, HostTree, PlannedIrq, PlannedRegion } from "../boards/api.js";
import { buildContext } from "../boards/context.js";
import { buildNode, checkPreconditions, parseOptions, selectPlugin } from "../boards/dispatch.js";
import { GuestNodes } from "../boards/guest-nodes.js";
import { hostTreeOf } from "../boards/host-tree.js";
import type { BoardRegistry } from "../boards/registry.js";
import { closeMatches } from "../close-matches.js";
import type { Config, DeviceConfig } from "../config/schema.js";
import { InputError } from "../errors.js";
import { readDtb } from "../fdt/read.js";
import type { Fdt } from "../fdt/tree.js";
import type { HostDevice } from "../host/device.js";
import { disabledDeviceNamed } from "../host/dt/disabled.js";
import {
  assembleGuestDtb,
  type GuestNode,
  guestNodeName,
  platformBusNode,
} from "../machvirt/guest-dt.js";
import { guestAddress, spiOfLine } from "../machvirt/layout.js";
import type { MachineOptions } from "../machvirt/machine.js";
import { type DevicePlacement, PlatformBus } from "../machvirt/platform-bus.js";
import { irqTrigger } from "../vfio/types.js";
import {
  AssignedProviders,
  labelProviders,
  providerLinks,
  withProviderLinks,
} from "./providers.js";
import { deviceFd, handoffFds, irqfdTurnedOff, qemuArgv } from "./qemu-args.js";
import type { Assignment, Plan, PlanDeviceFinding, PlanDeviceWarning } from "./types.js";
import {
  chooseVfioBackend,
  type HostVfioSupport,
  type QemuVfioSupport,
  type VfioBackend,
} from "./vfio-backend.js";

export interface PlanInput {
  config: Config;
  /** The config's machine as machvirt's options (the base DTB was dumped for it). */
  machine: MachineOptions;
  /** Every device the host has (live discovery or --host-dtb). */
  hostDevices: readonly HostDevice[];
  /** The host's device tree, for plugins that follow phandles (clocks); undefined if none. */
  hostTree: Fdt | undefined;
  /** QEMU's own DTB dump for config.machine; read, never modified. */
  baseDtb: Uint8Array;
  registry: BoardRegistry;
  /** Where the caller will write the guest DTB (it goes into the argv's -dtb). */
  dtbFile: string;
  /** The QEMU binary the plan is for. */
  qemuBinary: string;
  /** What that QEMU's vfio-platform offers; undefined: unknown, so the legacy path. */
  qemuVfio?: QemuVfioSupport | undefined;
  /** What the live host offers; undefined when planning offline. */
  hostVfio?: HostVfioSupport | undefined;
  /** What the caller found about the machine (e.g. a TCG base dump), for `plan.notes`. */
  notes?: readonly string[];
}

/** The plan before its guest DTB is rendered: the caller applies overlays, then renders once. */
export type PlanDraft = Omit<Plan, "guest"> & { guest: Omit<Plan["guest"], "dtb"> };

export interface PlanResult {
  plan: PlanDraft;
  /** The guest tree: QEMU's base tree plus the planned nodes. */
  guest: Fdt;
}

/** The finished plan: the draft with the guest DTB it is launched with. */
export function withGuestDtb(plan: PlanDraft, dtb: Uint8Array): Plan {
  return { ...plan, guest: { ...plan.guest, dtb: Buffer.from(dtb).toString("base64") } };
}

function findHost(
  devices: readonly HostDevice[],
  hostTree: Fdt | undefined,
  name: string,
  where: string,
): HostDevice {
  const found = devices.find((d) => d.name === name);
  if (found) return found;
  const disabled = hostTree && disabledDeviceNamed(hostTree.root, name);
  if (disabled) {
    const by = disabled.disabledPath === disabled.path ? "" : ` below ${disabled.disabledPath}`;
    throw new InputError(
      "PLAN_DEVICE_DISABLED",
      `the host has no device named '${name}': its node exists at ${disabled.path} but is disabled${by} (status = ${JSON.stringify(disabled.status)})`,
      {
        where,
        hint: `Enable ${disabled.disabledPath} in the host DT (the board's DTB, e.g. with an overlay setting status = "okay" on it). On a live host, the kernel created no device for it: boot with the enabled DT.`,
      },
    );
  }
  const close = closeMatches(
    name,
    devices.map((d) => d.name),
  );
  throw new InputError(
    "PLAN_UNKNOWN_DEVICE",
    `the host has no device named '${name}'${close.length > 0 ? `; close matches: ${close.join(", ")}` : ""}`,
    {
      where,
      hint: "Run 'platpass list' (with --host-dtb FILE when planning offline) to see the host's device names.",
    },
  );
}

function findPlugin(
  registry: BoardRegistry,
  name: string | undefined,
  where: string,
): BoardPlugin | undefined {
  if (name === undefined) return undefined;
  const plugin = registry.get(name);
  if (plugin) return plugin;
  const close = closeMatches(name, registry.names);
  throw new InputError(
    "PLAN_UNKNOWN_PLUGIN",
    `no board plugin is named '${name}'${close.length > 0 ? `; close matches: ${close.join(", ")}` : ""}`,
    {
      where,
      hint: `Loaded plugins: ${registry.names.join(", ")}. Add others with the config's "plugins".`,
    },
  );
}

function plannedRegions(placement: DevicePlacement): PlannedRegion[] {
  return placement.regions.map((r) => ({
    index: r.index,
    size: r.size,
    busOffset: r.offset,
    guestAddress: guestAddress(r.offset),
  }));
}

function plannedIrqs(host: HostDevice, placement: DevicePlacement): PlannedIrq[] {
  return placement.irqs.map((p) => {
    const irq = host.irqs[p.index];
    const trigger = irq ? irqTrigger(irq) : "edge";
    return {
      index: p.index,
      line: p.line,
      spi: spiOfLine(p.line),
      trigger,
      resample: trigger === "level",
    };
  });
}

interface DeviceStep {
  device: DeviceConfig;
  where: string;
  host: HostDevice;
  plugin: BoardPlugin;
  score: number | undefined;
  options: unknown;
  placement: DevicePlacement;
}

/** Everything decided before any node is written: hosts, plugins, options, bus placement. */
function decide(input: PlanInput, hostTree: HostTree): DeviceStep[] {
  const bus = new PlatformBus();
  return input.config.devices.map((device, i) => {
    const where = `$.devices[${i}]`;
    const host = findHost(input.hostDevices, input.hostTree, device.host, `${where}.host`);
    const named = findPlugin(input.registry, device.plugin, `${where}.plugin`);
    const { plugin, score } = selectPlugin(input.registry, host, named);
    checkPreconditions(plugin, host, hostTree);
    const options = parseOptions(plugin, device.options, `${where}.options`);
    const placement = bus.link({
      name: host.name,
      regionSizes: host.regions.map((r) => r.size),
      irqCount: host.irqs.length,
    });
    return { device, where, host, plugin, score, options, placement };
  });
}

interface Rendering {
  nodes: GuestNodes;
  hostTree: HostTree;
  busPath: string;
  backend: VfioBackend;
  irqfd: boolean;
  providers: AssignedProviders;
}

/** One device assigned: what the plan says of it, and its guest node as added to the nodes. */
interface Assigned {
  assignment: Assignment;
  node: GuestNode;
}

function assign(step: DeviceStep, index: number, r: Rendering): Assigned {
  const { nodes, hostTree, busPath } = r;
  const { host, plugin, placement } = step;
  const regions = plannedRegions(placement);
  const vfioIrqs = plannedIrqs(host, placement);
  const warnings: PlanDeviceWarning[] = [];
  const findings: PlanDeviceFinding[] = [];
  const ctx = buildContext({
    nodes,
    host,
    hostTree,
    regions,
    irqs: vfioIrqs,
    options: step.options,
    assignedProvider: (hostPhandle) => r.providers.lookup(hostPhandle),
    warn: (message, property) =>
      warnings.push(property === undefined ? { message } : { message, property }),
    finding: (property, message) => findings.push({ property, message }),
  });
  const before = nodes.nodes.length;
  const device = buildNode(plugin, ctx);
  const extra = nodes.nodes.slice(before).map((n) => `/${n.name}`);
  // The plan reports the trigger the guest node says, which a plugin may override.
  const { irqs } = device;
  const node: GuestNode = {
    name: device.name,
    at: "platform-bus" as const,
    properties: device.properties,
    ...(device.children ? { children: device.children } : {}),
    regions: placement.regions,
    irqs: irqs.map((irq) => ({ line: irq.line, trigger: irq.trigger })),
  };
  nodes.add(node);
  const fd = deviceFd(index, r.backend);
  const assignment: Assignment = {
    host: host.name,
    bus: host.bus,
    hostPath: host.dtPath,
    compatible: host.compatible,
    driver: host.driver,
    iommuGroup: host.iommuGroup,
    source: host.source,
    plugin: plugin.name,
    score: step.score ?? null,
    qemuDevice: plugin.qemuDevice,
    id: `platpass${index}`,
    managed: step.device.managed,
    regions,
    irqs,
    irqfd: r.irqfd,
    ...(fd === undefined ? {} : { fd }),
    guestNodes: [`${busPath}/${guestNodeName(node)}`, ...extra],
    warnings,
    findings,
    ...(plugin.quiesce ? { quiesce: plugin.quiesce } : {}),
  };
  return { assignment, node };
}

/**
 * The base tree parsed once per buffer: a cached dump is planned onto many times, and the
 * planner only reads it (assembleGuestDtb writes into a copy).
 */
const parsedBases = new WeakMap<Uint8Array, Fdt>();
function parsedBase(bytes: Uint8Array): Fdt {
  let fdt = parsedBases.get(bytes);
  if (!fdt) {
    fdt = readDtb(bytes);
    parsedBases.set(bytes, fdt);
  }
  return fdt;
}

/** The plan for `input`; throws the first problem found, as a typed error. */
export function buildPlan(input: PlanInput): PlanResult {
  const hostTree = hostTreeOf(input.hostTree);
  const steps = decide(input, hostTree);
  const base = parsedBase(input.baseDtb);
  const busPath = platformBusNode(base).path;
  const nodes = new GuestNodes(base);
  const vfio = chooseVfioBackend(input.config.qemu.vfioBackend, input.qemuVfio, input.hostVfio);
  const rendering: Rendering = {
    nodes,
    hostTree,
    busPath,
    backend: vfio.backend,
    irqfd: !irqfdTurnedOff(input.config.qemu.extraArgs),
    providers: new AssignedProviders(
      steps.map((s) => s.host),
      input.hostDevices,
      hostTree,
    ),
  };
  const assigned = steps.map((step, i) => assign(step, i, rendering));
  const deviceNodes = assigned.map((a) => a.node);
  const links = providerLinks(deviceNodes);
  const linked = withProviderLinks(
    assigned.map((a) => a.assignment),
    links,
  );
  const { devices } = linked;
  const guest = assembleGuestDtb(base, labelProviders(nodes.nodes, deviceNodes, links));
  const plan: PlanDraft = {
    devices,
    warnings: devices.flatMap((d) => d.warnings.map((w) => `${d.host}: ${w.message}`)),
    findings: devices.flatMap((d) =>
      d.findings.map((f) => `${d.host}: ${f.property}: ${f.message}`),
    ),
    notes: [...(input.notes ?? []), ...linked.notes],
    guest: { dtbFile: input.dtbFile, platformBus: busPath },
    qemu: {
      binary: input.qemuBinary,
      argv: qemuArgv(input.config, input.machine, input.dtbFile, devices, vfio.backend),
      vfio,
      fds: handoffFds(devices, vfio.backend),
    },
  };
  return { plan, guest };
}
