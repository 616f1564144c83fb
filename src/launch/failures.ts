/**
 * Turns the ways QEMU refuses an assigned platform device into errors that say why and what to
 * do, instead of passing QEMU's last stderr line through. Pure: the caller gives QEMU's
 * messages and what it knows of the host.
 */
import { HostError, QemuError, VfioError } from "../errors.js";
import type { HostDevice } from "../host/device.js";
import { unsafeInterruptsNote } from "../host/dt/msi.js";
import type { HostReadiness } from "../host/model.js";
import {
  allowsUnsafeInterrupts,
  type IsolationFacts,
  unisolatedBecause,
  unisolatedHint,
  unsafeInterruptsModule,
} from "../host/msi-isolation.js";
import type { VfioBackend } from "../plan/vfio-backend.js";
import { LAST_VFIO_PLATFORM_RELEASE } from "../qemu/probe.js";

export type HostInterruptFacts = Pick<
  HostReadiness,
  "msiRemap" | "allowUnsafeInterrupts" | "iommufdAllowUnsafeInterrupts" | "interruptController"
>;

/**
 * The error to raise before starting QEMU when the host cannot attach any device at all. The
 * legacy path asks vfio_iommu_type1's allow_unsafe_interrupts, the iommufd path iommufd's own.
 */
export function interruptRemappingProblem(
  facts: HostInterruptFacts,
  backend: VfioBackend = "legacy",
): HostError | undefined {
  const allowed =
    backend === "iommufd" ? facts.iommufdAllowUnsafeInterrupts : facts.allowUnsafeInterrupts;
  if (facts.msiRemap !== false || allowed === true) return undefined;
  const module = backend === "iommufd" ? "iommufd" : "vfio_iommu_type1";
  const failure =
    backend === "iommufd"
      ? "binding the device to iommufd fails with EPERM"
      : 'QEMU would fail with EPERM ("Failed to set iommu for container")';
  return new HostError(
    "HOST_NO_MSI_REMAPPING",
    `this host has no MSI remapping (${facts.interruptController ?? "no GICv3 ITS"}) and ${module} does not allow unsafe interrupts: ${failure}`,
    {
      where: `/sys/module/${module}/parameters/allow_unsafe_interrupts`,
      hint: unsafeInterruptsNote(facts.interruptController, module),
    },
  );
}

/** A device to assign with the host's devices of its IOMMU group. */
export interface AssignedDevice {
  device: HostDevice;
  peers: readonly HostDevice[];
}

/**
 * The refusal a Linux 6.3+ kernel would make at platpass's own VFIO_DEVICE_BIND_IOMMUFD
 * (iommufd path) or VFIO_SET_IOMMU (legacy), raised before any device is detached: the same
 * code and exit code as that late refusal (src/vfio/errors.ts), so a script sees one failure.
 */
export function msiIsolationRefusal(
  facts: IsolationFacts,
  devices: readonly AssignedDevice[],
  backend: VfioBackend,
): VfioError | undefined {
  const module = unsafeInterruptsModule(backend);
  if (facts.msiPerDevice !== true || allowsUnsafeInterrupts(facts, module)) return undefined;
  for (const { device, peers } of devices) {
    const why = unisolatedBecause(device, peers);
    if (!why) continue;
    const ioctl = backend === "iommufd" ? "VFIO_DEVICE_BIND_IOMMUFD" : "VFIO_SET_IOMMU";
    return new VfioError(
      "VFIO_NO_INTERRUPT_REMAPPING",
      `${device.name}'s MSIs are not isolated (${why}) and ${module} does not allow unsafe interrupts: Linux ${facts.kernelRelease} judges each device, so ${ioctl} would fail with EPERM; nothing was detached`,
      {
        where: `/sys/module/${module}/parameters/allow_unsafe_interrupts`,
        hint: unisolatedHint(facts, module),
      },
    );
  }
  return undefined;
}

const RULES: { test: RegExp; error: (line: string, facts: HostInterruptFacts) => QemuError }[] = [
  {
    test: /Failed to set iommu for container: Operation not permitted|No interrupt remapping support/,
    error: (line, facts) =>
      new QemuError(
        "QEMU_NO_MSI_REMAPPING",
        `QEMU could not attach the device's IOMMU group: ${line.trim()}${facts.allowUnsafeInterrupts === false ? " (allow_unsafe_interrupts is off)" : ""}`,
        { where: "vfio_iommu_type1", hint: unsafeInterruptsNote(facts.interruptController) },
      ),
  },
  {
    test: /error bind device fd=\d+ to iommufd=\d+/,
    error: (line, facts) =>
      new QemuError(
        "QEMU_IOMMUFD_BIND_FAILED",
        `QEMU could not bind the device to iommufd: ${line.trim()}`,
        {
          where: "the fds platpass handed QEMU",
          hint: /Operation not permitted/.test(line)
            ? unsafeInterruptsNote(facts.interruptController, "iommufd")
            : /Inappropriate ioctl/.test(line)
              ? "The device fd QEMU got is not a VFIO device cdev: this is a platpass bug if the plan's fds came from 'platpass launch'; set qemu.vfioBackend to \"legacy\" meanwhile."
              : 'Another user may hold the device, or the kernel refused it: check dmesg, or set qemu.vfioBackend to "legacy".',
        },
      ),
  },
  {
    test: /'vfio-[a-z0-9-]+' is not a valid device model name/,
    error: (line) =>
      new QemuError("QEMU_NO_VFIO_PLATFORM", `QEMU has no such device: ${line.trim()}`, {
        hint: `QEMU 10.2 removed vfio-platform and its subclasses; use a QEMU from 7.2 to ${LAST_VFIO_PLATFORM_RELEASE} (qemu.binary or PLATPASS_QEMU).`,
      }),
  },
  {
    test: /can not be dynamically instantiated/,
    error: (line) =>
      new QemuError("QEMU_NO_GUEST_DTB", `QEMU refused the device: ${line.trim()}`, {
        hint: "QEMU accepts vfio-platform on virt only with a user-supplied -dtb; the planned argv must carry it (this is a platpass bug if it came from 'platpass launch').",
      }),
  },
  {
    test: /Platform Bus: Can not fit (MMIO region|IRQ line)/,
    error: (line) =>
      new QemuError(
        "QEMU_PLATFORM_BUS_FULL",
        `QEMU ran out of platform bus space: ${line.trim()}`,
        {
          hint: "Something other than the planned devices took platform-bus space: remove platform-bus devices from qemu.extraArgs.",
        },
      ),
  },
  {
    test: /group \d+ is not viable|Device or resource busy/,
    error: (line) =>
      new QemuError(
        "QEMU_GROUP_UNUSABLE",
        `QEMU could not use the device's IOMMU group: ${line.trim()}`,
        {
          hint: "Every device in the group must be bound to a vfio driver or to none, and no other process may hold it: see 'platpass list'.",
        },
      ),
  },
];

/** The best explanation of a QEMU that exited before the guest ran, from its stderr lines. */
export function explainQemuExit(
  messages: readonly string[],
  exit: { exitCode: number | undefined; signal: string | undefined },
  facts: HostInterruptFacts,
): QemuError {
  for (const rule of RULES) {
    const line = messages.find((m) => rule.test.test(m));
    if (line) return rule.error(line, facts);
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  const last = messages
    .filter((m) => m.trim())
    .slice(-3)
    .join(" | ");
  return new QemuError("QEMU_EXITED", `QEMU ${how}${last ? `: ${last}` : ""}`, {
    hint: "The devices were given back to their host drivers. Run again with --json to see every QEMU message.",
  });
}
