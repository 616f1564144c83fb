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
import type { Assignment } from "../plan/types.js";
import type { VfioLocation } from "../vfio/locate.js";
import { type LaunchListener, timed } from "./events.js";
import { explainQemuExit, interruptRemappingProblem } from "./failures.js";
import { openHandoff } from "./handoff.js";
import { refuseUnpowered } from "./power-check.js";
import { prepareLaunch } from "./prepare.js";
import { runSession, type SessionResult } from "./session.js";
import { checkThroughVfio } from "./vfio-check.js";

export interface LaunchRequest {
  configFile: string;
  /**
   * The assignable-devices policy; when the file exists, only devices it allows launch.
   * By default $PLATPASS_POLICY, else /etc/platpass/policy.json, as for the CLI.
   */
  policyFile?: string | undefined;
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
}

function plannedEvent(devices: readonly Assignment[]) {
  return devices.map((d) => ({
    host: d.host,
    plugin: d.plugin,
    qemuDevice: d.qemuDevice,
    regions: d.regions.map((r) => ({ index: r.index, size: r.size, guestAddress: r.guestAddress })),
    irqs: d.irqs.map((i) => ({ index: i.index, spi: i.spi, trigger: i.trigger })),
  }));
}

/** Opens each assigned device through VFIO once: checks it against the plan, quiesces it. */
async function checkDevices(
  devices: readonly Assignment[],
  emit: LaunchListener,
): Promise<Map<string, VfioLocation>> {
  const locations = new Map<string, VfioLocation>();
  for (const a of devices) {
    locations.set(a.host, await checkThroughVfio(a));
    if (a.quiesce) {
      emit({
        event: "quiesced",
        device: a.host,
        steps: a.quiesce.steps.length,
        why: a.quiesce.why,
      });
    }
  }
  return locations;
}

export async function launch(request: LaunchRequest): Promise<LaunchOutcome> {
  const { emit } = request;
  const workDir = await mkdtemp(join(tmpdir(), "platpass-run-"));
  try {
    const { host, plan } = await timed(emit, "plan", () =>
      prepareLaunch(request.configFile, workDir, request.policyFile),
    );
    emit({
      event: "discovered",
      devices: plan.devices.map((d) => ({
        host: d.host,
        compatible: d.compatible,
        driver: d.driver,
        iommuGroup: d.iommuGroup,
      })),
    });
    emit({
      event: "planned",
      devices: plannedEvent(plan.devices),
      warnings: plan.warnings,
      findings: plan.findings,
      dtb: plan.guest.dtbFile,
      vfio: plan.qemu.vfio,
    });
    const blocked = interruptRemappingProblem(host, plan.qemu.vfio.backend);
    if (blocked) throw blocked;

    const managed = plan.devices.filter((d) => d.managed).map((d) => d.host);
    const detached = await timed(emit, "detach", () => detachDevices(managed, { mode: "managed" }));
    try {
      for (const d of detached.devices.filter((x) => x.changed)) {
        emit({ event: "detached", device: d.device, from: d.from, to: d.driver });
      }
      killPoint("launch-detached");
      // Unbinding the host driver may have gated a clock vfio-platform will not enable.
      await refuseUnpowered(plan.devices);
      const locations = await timed(emit, "quiesce", () => checkDevices(plan.devices, emit));
      const handoff = openHandoff(plan.qemu.fds, locations);
      let session: SessionResult;
      try {
        session = await runSession({
          binary: plan.qemu.binary,
          argv: plan.qemu.argv,
          handoff,
          devices: plan.devices,
          facts: host,
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
      if (crashed) throw explainQemuExit(session.messages, exit, host);
      return { session };
    } finally {
      killPoint("launch-before-reattach");
      await timed(emit, "reattach", () => endSession(detached));
      for (const d of detached.devices.filter((x) => x.changed)) {
        emit({ event: "reattached", device: d.device, driver: d.from });
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
