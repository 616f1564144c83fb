/**
 * `platpass launch`, end to end: plan on the live host, refuse early what the kernel or QEMU
 * would refuse late (no MSI remapping; on Linux 6.3+, a device whose MSIs are not isolated),
 * detach the managed devices (journaled, locked), run the QEMU session, and give the devices
 * back once QEMU has exited — on the guest's exit, a stop request (SIGINT/SIGTERM/SIGHUP in
 * the CLI), a QEMU crash or a failed verification alike.
 * A SIGKILL of platpass takes QEMU along (parent-death signal) and leaves the journal, which
 * the next launch of the same devices or `platpass restore` replays.
 *
 * The host module's managed helper is not used as a whole because it reattaches from its
 * own signal handler while QEMU may still hold the groups; here QEMU is stopped first.
 */
import { chmod, chown, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HostError } from "../errors.js";
import { detachDevices } from "../host/bind/detach.js";
import { killPoint } from "../host/bind/killpoint.js";
import { endSession } from "../host/bind/managed.js";
import { type LentNodes, lendNodes } from "../host/bind/node-owner.js";
import type { HostDevice } from "../host/device.js";
import type { HostReadiness } from "../host/model.js";
import { groupPeersIn } from "../host/msi-isolation.js";
import type { Assignment, Plan } from "../plan/types.js";
import type { QemuCredentials } from "../qemu/launcher.js";
import type { VfioLocation } from "../vfio/locate.js";
import { type LaunchListener, timed } from "./events.js";
import {
  type AssignedDevice,
  explainQemuExit,
  interruptRemappingProblem,
  msiIsolationRefusal,
} from "./failures.js";
import { openHandoff } from "./handoff.js";
import { refuseUnpowered } from "./power-check.js";
import { prepareLaunch } from "./prepare.js";
import {
  assertKvmAccess,
  assertReachable,
  ROOT_QEMU_WARNING,
  resolveQemuUser,
} from "./qemu-user.js";
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

/**
 * On the legacy path QEMU opens /dev/vfio/N itself: each group's node is lent to its user for
 * the run (journaled first). On the iommufd path it only uses the fds platpass hands it.
 */
function lendGroupNodes(
  plan: Plan,
  locations: ReadonlyMap<string, VfioLocation>,
  user: QemuCredentials,
  state: string,
): LentNodes | undefined {
  if (plan.qemu.vfio.backend !== "legacy") return undefined;
  const nodes = new Map<number, string>();
  for (const loc of locations.values()) {
    if (loc.noiommu) {
      throw new HostError(
        "HOST_NOIOMMU_NEEDS_ROOT",
        `${loc.name} is in the no-IOMMU group ${loc.groupPath}, which only a process with CAP_SYS_RAWIO may use`,
        {
          where: loc.groupPath,
          hint: 'Put the device behind an IOMMU, or set qemu.user to "root" for this unsafe mode.',
        },
      );
    }
    nodes.set(loc.group, loc.groupPath);
  }
  const list = [...nodes].map(([group, path]) => ({ group, path }));
  return lendNodes(state, list, user);
}

/** What QEMU's user needs before QEMU starts: /dev/kvm, and the guest DTB's directory. */
async function prepareForUser(
  user: QemuCredentials,
  accel: string,
  workDir: string,
): Promise<void> {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) {
    throw new HostError("HOST_QEMU_USER_NEEDS_ROOT", `only root can start QEMU as ${user.name}`, {
      hint: 'Run platpass launch as root (binding the devices needs it too), or set qemu.user to "root" to run QEMU as the user running platpass.',
    });
  }
  // Without /dev/kvm QEMU says so itself; with it, it must be the user's to open.
  const kvm = accel === "kvm" ? await stat("/dev/kvm").catch(() => undefined) : undefined;
  if (kvm) assertKvmAccess(kvm, user);
  await assertReachable(dirname(workDir), user, stat);
  // QEMU reads the guest DTB from here: the directory opens to the user's group alone.
  await chown(workDir, uid, user.gid);
  await chmod(workDir, 0o750);
}

/**
 * What the kernel would refuse once the devices are detached, refused before: the host's MSI
 * remapping up to Linux 6.2, each assigned device's MSI isolation from 6.3.
 */
function interruptRefusal(host: HostReadiness, devices: readonly HostDevice[], plan: Plan) {
  if (host.msiPerDevice !== true) return interruptRemappingProblem(host, plan.qemu.vfio.backend);
  const byName = new Map(devices.map((d) => [d.name, d]));
  const assigned: AssignedDevice[] = plan.devices.flatMap((a) => {
    const device = byName.get(a.host);
    if (!device) return [];
    return [{ device, peers: groupPeersIn(byName, device) }];
  });
  return msiIsolationRefusal(host, assigned, plan.qemu.vfio.backend);
}

export async function launch(request: LaunchRequest): Promise<LaunchOutcome> {
  const { emit } = request;
  const workDir = await mkdtemp(join(tmpdir(), "platpass-run-"));
  try {
    const { host, devices, plan, config, tree } = await timed(emit, "plan", () =>
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
    const blocked = interruptRefusal(host, devices, plan);
    if (blocked) throw blocked;
    const user = await resolveQemuUser(config.qemu.user, config.machine.memory);
    if (user === "root") emit({ event: "warning", message: ROOT_QEMU_WARNING });
    else await prepareForUser(user, config.machine.accel, workDir);

    const managed = plan.devices.filter((d) => d.managed).map((d) => d.host);
    const detached = await timed(emit, "detach", () => detachDevices(managed, { mode: "managed" }));
    try {
      for (const d of detached.devices.filter((x) => x.changed)) {
        emit({ event: "detached", device: d.device, from: d.from, to: d.driver });
      }
      killPoint("launch-detached");
      // Unbinding the host driver may have gated a clock vfio-platform will not enable.
      await refuseUnpowered(plan.devices, tree);
      const locations = await timed(emit, "quiesce", () => checkDevices(plan.devices, emit));
      const lent =
        user === "root" ? undefined : lendGroupNodes(plan, locations, user, detached.state);
      const handoff = openHandoff(plan.qemu.fds, locations);
      let session: SessionResult;
      try {
        session = await runSession({
          binary: plan.qemu.binary,
          argv: plan.qemu.argv,
          handoff,
          runAs: user === "root" ? undefined : user,
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
        lent?.giveBack();
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
