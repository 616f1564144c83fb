/**
 * Which path each assigned IRQ took, read from QEMU's own vfio trace events (QEMU run with
 * `-trace "vfio_platform_*" -trace "vfio_intp_*"`, log backend on stderr, lines optionally
 * prefixed "PID@SEC.USEC:" by `-msg timestamp=on`). Formats are QEMU 7.2's hw/vfio/trace-events.
 *
 * QEMU tries irqfd for every IRQ when it connects the line (level IRQs also get a resamplefd)
 * and silently falls back to user-space eventfd handling, which has no trace event of its own:
 * an IRQ that was populated but never reported an irqfd start is on the user-space path, and
 * its `intp_interrupt`/`eoi` events show it working that way.
 *
 * Attribution limit: the events name no device. `vfio_platform_realize` (which names the host
 * device) opens each device's section; QEMU realizes, populates and connects devices one after
 * another in `-device` order, so populate and irqfd-start events belong to the device whose
 * section they are in (or, without realize events, to the planned devices in order). Runtime
 * events carry the IRQ index and the trigger eventfd: irqfd IRQs are known by their fd; a
 * user-space IRQ's fd is learned from its first event, and when two devices have a
 * user-space IRQ of the same index, the first unclaimed one in planned order gets it.
 */

export type InjectionPath = "irqfd+resample" | "irqfd" | "userspace" | "unknown";

/** The input the report needs from the plan: devices in `-device` order, their IRQ indexes. */
export interface PlannedIrqs {
  host: string;
  irqs: readonly { index: number }[];
  /** False when the plan asked for `x-irqfd=off` (the user-space path is then chosen). */
  irqfd?: boolean;
}

export interface IrqEvidence {
  populated: boolean;
  /** VFIO IRQ info flags from `vfio_platform_populate_interrupts`. */
  flags: number | undefined;
  irqfdStarts: number;
  userspaceInjections: number;
  eois: number;
  pendings: number;
}

export interface IrqInjection {
  device: string;
  index: number;
  path: InjectionPath;
  trigger: "level" | "edge" | undefined;
  fd: number | undefined;
  resampleFd: number | undefined;
  evidence: IrqEvidence;
  /** Set when the IRQ is not on irqfd: what that costs, or why the path is unknown. */
  warning: string | undefined;
}

export interface InjectionReport {
  irqs: IrqInjection[];
  /** Trace events that matched no planned device or IRQ (unexpected devices, extra IRQs). */
  unattributed: number;
  warnings: string[];
}

export type TraceEvent =
  | { kind: "realize"; device: string }
  | { kind: "populate"; index: number; count: number; flags: number }
  | { kind: "level-irqfd"; index: number; fd: number; resampleFd: number }
  | { kind: "edge-irqfd"; index: number; fd: number }
  | { kind: "interrupt"; index: number; fd: number }
  | { kind: "inject-pending"; index: number; fd: number }
  | { kind: "eoi"; index: number; fd: number }
  | { kind: "set-pending"; index: number };

const VFIO_IRQ_INFO_EVENTFD = 1 << 0;
const VFIO_IRQ_INFO_AUTOMASKED = 1 << 2;

const LINE = /^(?:\d+@\d+\.\d+:)?(vfio_(?:platform|intp)_\w+) (.*)$/;

const FORMATS: Record<string, [RegExp, (m: RegExpMatchArray) => TraceEvent]> = {
  vfio_platform_realize: [
    /^vfio device (\S+), compat = /,
    (m) => ({ kind: "realize", device: m[1]! }),
  ],
  vfio_platform_populate_interrupts: [
    /^- IRQ index (\d+): count (\d+), flags=0x([0-9a-f]+)/,
    (m) => ({ kind: "populate", index: +m[1]!, count: +m[2]!, flags: Number.parseInt(m[3]!, 16) }),
  ],
  vfio_platform_start_level_irqfd_injection: [
    /^IRQ index=(\d+), fd = (-?\d+), resamplefd = (-?\d+)/,
    (m) => ({ kind: "level-irqfd", index: +m[1]!, fd: +m[2]!, resampleFd: +m[3]! }),
  ],
  vfio_platform_start_edge_irqfd_injection: [
    /^IRQ index=(\d+), fd = (-?\d+)/,
    (m) => ({ kind: "edge-irqfd", index: +m[1]!, fd: +m[2]! }),
  ],
  vfio_platform_intp_interrupt: [
    /^Inject IRQ #(\d+) \(fd = (-?\d+)\)/,
    (m) => ({ kind: "interrupt", index: +m[1]!, fd: +m[2]! }),
  ],
  vfio_platform_intp_inject_pending_lockheld: [
    /^Inject pending IRQ #(\d+) \(fd = (-?\d+)\)/,
    (m) => ({ kind: "inject-pending", index: +m[1]!, fd: +m[2]! }),
  ],
  vfio_platform_eoi: [
    /^EOI IRQ pin (\d+) \(fd=(-?\d+)\)/,
    (m) => ({ kind: "eoi", index: +m[1]!, fd: +m[2]! }),
  ],
  vfio_intp_interrupt_set_pending: [
    /^irq (\d+) is set PENDING/,
    (m) => ({ kind: "set-pending", index: +m[1]! }),
  ],
};

/** One stderr line as a vfio trace event, or undefined for anything else QEMU printed. */
export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = LINE.exec(line.trimEnd());
  const format = m && FORMATS[m[1]!];
  if (!format) return undefined;
  const args = format[0].exec(m[2]!);
  return args ? format[1](args) : undefined;
}

export function parseTrace(lines: readonly string[]): TraceEvent[] {
  return lines.flatMap((l) => parseTraceLine(l) ?? []);
}

const USERSPACE_COST =
  "every interrupt exits to QEMU in user space, which injects it and traps the device's MMIO " +
  "(mmap off) until the guest's first access acknowledges it, one IRQ of the device at a time; " +
  "testbed.md measured this fallback with QEMU 7.2 on a GICv3 host, and a downstream measured " +
  "76 → 944 Mbit/s for a network device once irqfd worked";

interface Slot {
  injection: IrqInjection;
  claimed: boolean;
}

function emptySlot(device: string, index: number): Slot {
  return {
    claimed: false,
    injection: {
      device,
      index,
      path: "unknown",
      trigger: undefined,
      fd: undefined,
      resampleFd: undefined,
      warning: undefined,
      evidence: {
        populated: false,
        flags: undefined,
        irqfdStarts: 0,
        userspaceInjections: 0,
        eois: 0,
        pendings: 0,
      },
    },
  };
}

/**
 * Builds the per-IRQ report from the trace events of one QEMU run. Call it once QEMU has
 * created the machine (QMP answers): every irqfd start has been traced by then.
 */
export function injectionReport(
  devices: readonly PlannedIrqs[],
  events: readonly TraceEvent[],
): InjectionReport {
  const slots = devices.map((d) => d.irqs.map((irq) => emptySlot(d.host, irq.index)));
  const slotOf = (dev: number, index: number) =>
    slots[dev]?.find((s) => s.injection.index === index);
  let unattributed = 0;
  let current = -1;
  let sawRealize = false;

  for (const e of events) {
    if (e.kind === "realize") {
      sawRealize = true;
      current = devices.findIndex((d) => d.host === e.device || e.device.endsWith(`/${d.host}`));
      if (current < 0) unattributed += 1;
      continue;
    }
    if (e.kind === "populate") {
      if (!sawRealize && (current < 0 || slotOf(current, e.index)?.injection.evidence.populated)) {
        current += 1;
      }
      const s = slotOf(current, e.index);
      if (!s) {
        unattributed += 1;
        continue;
      }
      s.injection.evidence.populated = true;
      s.injection.evidence.flags = e.flags;
      s.injection.trigger = e.flags & VFIO_IRQ_INFO_AUTOMASKED ? "level" : "edge";
      continue;
    }
    if (e.kind === "level-irqfd" || e.kind === "edge-irqfd") {
      const s = slotOf(current, e.index);
      if (!s) {
        unattributed += 1;
        continue;
      }
      s.injection.evidence.irqfdStarts += 1;
      s.injection.fd = e.fd;
      s.claimed = true;
      if (e.kind === "level-irqfd") s.injection.resampleFd = e.resampleFd;
      continue;
    }
    const s = runtimeSlot(slots.flat(), e);
    if (!s) {
      unattributed += 1;
      continue;
    }
    const ev = s.injection.evidence;
    if (e.kind === "interrupt" || e.kind === "inject-pending") ev.userspaceInjections += 1;
    else if (e.kind === "eoi") ev.eois += 1;
    else ev.pendings += 1;
  }

  const irqs = slots.flat().map((s) => decide(s.injection, devices));
  const warnings = irqs.flatMap((i) =>
    i.warning ? [`${i.device} IRQ ${i.index}: ${i.warning}`] : [],
  );
  return { irqs, unattributed, warnings };
}

/** The slot a runtime event belongs to: by its fd, else the first unclaimed one of that index. */
function runtimeSlot(all: Slot[], e: TraceEvent & { index: number }): Slot | undefined {
  const fd = "fd" in e ? e.fd : undefined;
  const byFd = all.find((s) => s.injection.fd !== undefined && s.injection.fd === fd);
  if (byFd) return byFd;
  const candidates = all.filter(
    (s) => s.injection.index === e.index && s.injection.evidence.irqfdStarts === 0,
  );
  const s = candidates.find((c) => !c.claimed) ?? candidates[0];
  if (s && fd !== undefined && !s.claimed) {
    s.injection.fd = fd;
    s.claimed = true;
  }
  return s;
}

function decide(irq: IrqInjection, devices: readonly PlannedIrqs[]): IrqInjection {
  const ev = irq.evidence;
  if (ev.irqfdStarts > 0) {
    irq.path = irq.resampleFd !== undefined ? "irqfd+resample" : "irqfd";
    if (ev.userspaceInjections > 0) {
      irq.warning = `both an irqfd start and ${ev.userspaceInjections} user-space injection(s) were traced for this IRQ; the attribution may be wrong (see the limits in the report's documentation)`;
    }
    return irq;
  }
  if (!ev.populated) {
    irq.warning =
      'QEMU\'s trace never mentioned this IRQ: QEMU was not run with -trace "vfio_platform_*", or the IRQ has no eventfd';
    return irq;
  }
  if (ev.flags !== undefined && (ev.flags & VFIO_IRQ_INFO_EVENTFD) === 0) {
    irq.warning = "VFIO reports no eventfd support for this IRQ: QEMU cannot inject it at all";
    return irq;
  }
  irq.path = "userspace";
  const requested = devices.find((d) => d.host === irq.device)?.irqfd === false;
  irq.warning = requested
    ? `user-space injection, as requested with x-irqfd=off: ${USERSPACE_COST}`
    : `QEMU silently fell back to user-space injection (no irqfd start was traced; KVM refused irqfd or resamplefd): ${USERSPACE_COST}`;
  return irq;
}
