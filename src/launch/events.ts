/**
 * What a launch reports as it happens: the CLI prints these as text, or one JSON object per
 * line with --json (for CI), and the demo narrates them. Plain data only.
 */
import type { VfioBackend } from "../plan/vfio-backend.js";
import type { InjectionPath } from "../qemu/injection.js";
import { hex } from "../text.js";

export interface DeviceSummary {
  host: string;
  compatible: string[];
  driver: string | undefined;
  iommuGroup: number | undefined;
}

/** Times a stage and reports it as a `stage` event once it has finished (or failed). */
export async function timed<T>(
  emit: LaunchListener,
  stage: LaunchStage,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    emit({ event: "stage", stage, ms: Math.round(performance.now() - started) });
  }
}

export interface PlannedDeviceSummary {
  host: string;
  plugin: string;
  qemuDevice: string;
  regions: { index: number; size: number; guestAddress: number }[];
  irqs: { index: number; spi: number; trigger: "level" | "edge" }[];
}

export interface QemuUserSummary {
  name: string;
  uid: number;
  gid: number;
  groups: number[];
  memlockBytes: number;
}

export interface IrqPathSummary {
  device: string;
  index: number;
  path: InjectionPath;
  userspaceInjections: number;
  eois: number;
}

/**
 * The timed stages of a launch, in order: planning on the live host, binding to vfio, the
 * VFIO check and quiesce, QEMU's start-up until its QMP socket exists, the QMP handshake,
 * the wiring verification, and giving the devices back.
 */
export type LaunchStage =
  | "plan"
  | "detach"
  | "quiesce"
  | "qemu-start"
  | "qmp"
  | "verify"
  | "reattach";

export type LaunchEvent =
  | { event: "stage"; stage: LaunchStage; ms: number }
  | { event: "discovered"; devices: DeviceSummary[] }
  | {
      event: "planned";
      devices: PlannedDeviceSummary[];
      warnings: string[];
      /** What the guest driver will lack (`plan --strict` refuses these). */
      findings: string[];
      dtb: string;
      vfio: { backend: VfioBackend; reason: string };
    }
  | { event: "detached"; device: string; from: string | undefined; to: string }
  | { event: "quiesced"; device: string; steps: number; why: string }
  | {
      event: "qemu-starting";
      binary: string;
      argv: string[];
      fds: { fd: number; path: string }[];
      /** Whom QEMU runs as: qemu.user's ids and RLIMIT_MEMLOCK, or root. */
      user: QemuUserSummary | "root";
    }
  | { event: "qemu-started"; pid: number | undefined }
  | { event: "verified"; devices: number; regions: number; irqs: number }
  | { event: "injection"; irqs: IrqPathSummary[]; warnings: string[] }
  | { event: "guest"; line: string }
  | { event: "qemu-message"; line: string }
  | { event: "stopping"; reason: string }
  | { event: "qemu-exited"; exitCode: number | undefined; signal: string | undefined }
  | { event: "reattached"; device: string; driver: string | undefined }
  | { event: "warning"; message: string };

export type LaunchListener = (e: LaunchEvent) => void;

/** The human form of an event: lines for stderr (progress) or stdout (guest output). */
export function describeEvent(e: LaunchEvent): string[] {
  switch (e.event) {
    case "discovered":
      return e.devices.map(
        (d) =>
          `discovered ${d.host}: ${d.compatible.join(", ")}; driver ${d.driver ?? "none"}; IOMMU group ${d.iommuGroup ?? "none"}`,
      );
    case "planned":
      return [
        ...e.devices.flatMap((d) => [
          `planned ${d.host} as ${d.qemuDevice} (plugin ${d.plugin})`,
          ...d.regions.map(
            (r) => `  region ${r.index}: ${hex(r.guestAddress)} size ${hex(r.size)}`,
          ),
          ...d.irqs.map((i) => `  IRQ ${i.index}: SPI ${i.spi} (${i.trigger})`),
        ]),
        ...e.warnings.map((w) => `plan warning: ${w}`),
        ...e.findings.map((f) => `guest-driver finding: ${f}`),
        `guest device tree: ${e.dtb}`,
        `VFIO path: ${e.vfio.backend} (${e.vfio.reason})`,
      ];
    case "detached":
      return [`detached ${e.device} from ${e.from ?? "no driver"}, bound to ${e.to}`];
    case "quiesced":
      return [`quiesced ${e.device} (${e.steps} register accesses): ${e.why}`];
    case "qemu-starting":
      return [
        ...e.fds.map((f) => `passing QEMU fd ${f.fd}: ${f.path}`),
        e.user === "root"
          ? "QEMU runs as root"
          : `QEMU runs as ${e.user.name} (uid ${e.user.uid}, gid ${e.user.gid}, groups ${e.user.groups.join(",") || "none"}; RLIMIT_MEMLOCK ${e.user.memlockBytes / 2 ** 20} MiB)`,
        `starting ${e.binary} ${e.argv.join(" ")}`,
      ];
    case "qemu-started":
      return [`QEMU running (pid ${e.pid ?? "?"}), QMP connected`];
    case "verified":
      return [
        `verified against QEMU (info mtree -f, info qtree, QOM IRQ links): ${e.devices} device(s), ${e.regions} region(s), ${e.irqs} IRQ(s) where planned`,
      ];
    case "injection":
      return [
        ...e.irqs.map(
          (i) =>
            `interrupt ${i.device} IRQ ${i.index}: ${i.path}${i.path === "userspace" ? ` (${i.userspaceInjections} injected by QEMU so far)` : ""}`,
        ),
        ...e.warnings.map((w) => `WARNING: ${w}`),
      ];
    case "guest":
      return [e.line];
    case "qemu-message":
      return [`qemu: ${e.line}`];
    case "stopping":
      return [`stopping the guest: ${e.reason}`];
    case "qemu-exited":
      return [`QEMU exited${e.signal ? ` on ${e.signal}` : ` with code ${e.exitCode ?? "?"}`}`];
    case "reattached":
      return [`gave ${e.device} back to ${e.driver ?? "no driver"}`];
    case "warning":
      return [`WARNING: ${e.message}`];
    case "stage":
      return [`(${e.stage} took ${(e.ms / 1000).toFixed(2)} s)`];
  }
}
