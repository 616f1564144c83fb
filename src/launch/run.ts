/**
 * `platpass launch`, end to end: plan on the live host, refuse early what QEMU would refuse
 * late (no MSI remapping), detach the managed devices (journaled, locked), run the QEMU
 * session, and give the devices back once QEMU has exited — on the guest's exit, a stop
 * request (SIGINT/SIGTERM/SIGHUP in the CLI), a QEMU crash or a failed verification alike.
 * A SIGKILL of platpass takes QEMU along (parent-death signal) and leaves the journal, which
 * the next launch of the same devices or `platpass restore` replays.
 *
 * The host module's managed helper is not used as a whole because it reattaches from its
 * own signal handler while QEMU may still hold the groups; here QEMU is stopped first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detachDevices } from "../host/bind/detach.js";
import { killPoint } from "../host/bind/killpoint.js";
import { endSession } from "../host/bind/managed.js";
import type { Plan } from "../plan/types.js";
import type { LaunchListener } from "./events.js";
import { explainQemuExit, interruptRemappingProblem } from "./failures.js";
import { openHandoff } from "./handoff.js";
import { prepareLaunch } from "./prepare.js";
import { quiesceDevice } from "./quiesce.js";
import { runSession, type SessionDevice, type SessionResult } from "./session.js";

export interface LaunchRequest {
  configFile: string;
  emit: LaunchListener;
  /** Each vfio trace line of QEMU's as it arrives. */
  onTraceLine?: (line: string) => void;
  /** Aborting it powers the guest down (then quit after `graceMs`). */
  stop: AbortSignal;
  interactive?: boolean;
  graceMs?: number;
}

export interface LaunchOutcome {
  session: SessionResult;
  /** 0 when the guest powered off on its own or was stopped cleanly. */
  guestExitCode: number;
}

function sessionDevices(plan: Plan): SessionDevice[] {
  const irqfdOff = plan.qemu.argv.some((a) => /(^|[,.])x-irqfd=(off|false)/.test(a));
  return plan.devices.map((d) => ({
    host: d.host,
    qemuDevice: d.qemuDevice,
    id: d.id,
    regions: d.regions,
    irqs: d.irqs,
    irqfdAllowed: !irqfdOff,
  }));
}

export async function launch(request: LaunchRequest): Promise<LaunchOutcome> {
  const { emit } = request;
  const workDir = await mkdtemp(join(tmpdir(), "platpass-run-"));
  try {
    const { host, plan } = await prepareLaunch(request.configFile, workDir);
    emit({
      event: "discovered",
      devices: plan.devices.map((d) => {
        const h = host.devices.find((x) => x.name === d.host);
        return {
          host: d.host,
          compatible: d.compatible,
          driver: h?.driver,
          iommuGroup: h?.iommuGroup,
        };
      }),
    });
    emit({
      event: "planned",
      devices: plan.devices.map((d) => ({
        host: d.host,
        plugin: d.plugin,
        qemuDevice: d.qemuDevice,
        regions: d.regions.map((r) => ({
          index: r.index,
          size: r.size,
          guestAddress: r.guestAddress,
        })),
        irqs: d.irqs.map((i) => ({ index: i.index, spi: i.spi, trigger: i.trigger })),
      })),
      warnings: plan.warnings,
      dtb: plan.guest.dtbFile,
      vfio: plan.qemu.vfio,
    });
    const blocked = interruptRemappingProblem(host.host, plan.qemu.vfio.backend);
    if (blocked) throw blocked;

    const managed = plan.devices.filter((d) => d.managed).map((d) => d.host);
    const detached = await detachDevices(managed, { mode: "managed" });
    try {
      for (const d of detached.devices.filter((x) => x.changed)) {
        emit({ event: "detached", device: d.device, from: d.from, to: d.driver });
      }
      killPoint("launch-detached");
      for (const d of plan.devices) {
        if (!d.quiesce) continue;
        await quiesceDevice(d.host, d.quiesce);
        emit({
          event: "quiesced",
          device: d.host,
          steps: d.quiesce.steps.length,
          why: d.quiesce.why,
        });
      }
      const handoff = await openHandoff(plan.qemu.fds);
      let session: SessionResult;
      try {
        session = await runSession({
          binary: plan.qemu.binary,
          argv: plan.qemu.argv,
          handoff,
          devices: sessionDevices(plan),
          facts: host.host,
          emit,
          onTraceLine: request.onTraceLine,
          stop: request.stop,
          interactive: request.interactive,
          graceMs: request.graceMs,
        });
      } finally {
        handoff.close();
      }
      const { exit, ended } = session;
      const crashed = ended === "guest" && (exit.signal !== undefined || exit.exitCode !== 0);
      if (crashed) throw explainQemuExit(session.messages, exit, host.host);
      return { session, guestExitCode: 0 };
    } finally {
      killPoint("launch-before-reattach");
      await endSession(detached);
      for (const d of detached.devices.filter((x) => x.changed)) {
        emit({ event: "reattached", device: d.device, driver: d.from });
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
