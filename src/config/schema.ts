/**
 * The user's config file: what to run and which host devices to assign. One strict schema
 * (unknown keys are rejected) whose descriptions double as the editor documentation exported
 * into schema/platpass.config.schema.json. `{"devices": [{"host": "NAME"}]}` alone is a
 * complete config; everything else has a default.
 */
import { z } from "zod";
import { deviceNameProblem } from "../host/dt/device-name.js";

const path = z.string().min(1);

/** The system user `platpass provision --for launch` creates for QEMU (qemu.user's default). */
export const DEFAULT_QEMU_USER = "platpass-qemu";

export const MachineSchema = z
  .strictObject({
    gicVersion: z
      .union([z.literal(2), z.literal(3), z.literal("max"), z.literal("host")], {
        error: (issue) =>
          typeof issue.input === "string" && /^\d+$/.test(issue.input)
            ? `must be 2, 3, "max" or "host"; got the string "${issue.input}": write ${issue.input} without quotes`
            : `must be 2, 3, "max" or "host"; got ${JSON.stringify(issue.input)}`,
      })
      .default(3)
      .describe("GIC version of the guest's interrupt controller (QEMU's gic-version=)."),
    virtualization: z
      .boolean()
      .default(false)
      .describe("Emulate EL2 in the guest (QEMU's virtualization=on); changes the base DTB."),
    iommu: z
      .enum(["none", "smmuv3"])
      .default("none")
      .describe("Guest IOMMU (QEMU's iommu=); changes the base DTB."),
    highmem: z
      .boolean()
      .default(true)
      .describe("RAM and devices above 4 GiB (QEMU's highmem=); changes the base DTB."),
    cpu: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default("max")
      .describe("QEMU -cpu model; 'host' needs KVM."),
    smp: z.int().min(1).max(512).default(1).describe("Number of guest CPUs (QEMU -smp)."),
    memory: z.int().min(16).default(1024).describe("Guest memory in MiB (QEMU -m)."),
    accel: z
      .enum(["kvm", "tcg"])
      .default("kvm")
      .describe("Accelerator; vfio-platform assignment on a real ARM host uses kvm."),
  })
  .describe("The QEMU virt machine the guest runs on.");

export const QemuSchema = z
  .strictObject({
    binary: path.optional().describe("qemu-system-aarch64 to run; found on PATH when left out."),
    vfioBackend: z
      .enum(["auto", "legacy", "iommufd"])
      .default("auto")
      .describe(
        "How QEMU reaches the devices. legacy: QEMU opens /dev/vfio/GROUP itself (host=). iommufd: platpass opens /dev/iommu and each device's VFIO cdev and passes the fds (fd=, iommufd=; QEMU 9.0-10.1 and Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV). auto: iommufd when both the QEMU and the host have it, else legacy.",
      ),
    extraArgs: z
      .array(z.string())
      .default([])
      .describe(
        "Arguments appended after the planned ones, verbatim. They must not add platform-bus devices: those would take bus space planned for the assigned devices.",
      ),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a user name (lower case, digits, _ and -)")
      .default(DEFAULT_QEMU_USER)
      .describe(
        `The user (and its primary group) QEMU runs as, with group kvm as its only other group and RLIMIT_MEMLOCK raised for the guest's RAM; on the legacy path platpass lends it /dev/vfio/GROUP for the run. 'platpass provision --for launch' creates ${DEFAULT_QEMU_USER}. "root" runs QEMU as root, with a warning.`,
      ),
  })
  .describe("Which QEMU to run, as whom, and what else to pass it.");

/** A host device's sysfs name, as the config and the assignable-devices policy write it. */
export const SysfsNameSchema = z
  .string()
  .min(1, { abort: true })
  .superRefine((name, ctx) => {
    const problem = deviceNameProblem(name);
    if (problem)
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(name)} is not a sysfs device name: ${problem}`,
      });
  });

export const DeviceSchema = z
  .strictObject({
    host: SysfsNameSchema.describe(
      "The host device's sysfs name, e.g. 'e0700000.xgmac' (see 'platpass list').",
    ),
    plugin: z
      .string()
      .min(1)
      .optional()
      .describe("Board plugin to use; by default the best-scoring plugin that matches."),
    options: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Options for the plugin, checked against the plugin's own schema."),
    managed: z
      .boolean()
      .default(true)
      .describe(
        "Bind the device to vfio-platform for the run and restore its driver after; false when it is already bound.",
      ),
  })
  .describe("One host device to assign to the guest.");

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe("Path or URL of this file's JSON Schema, for editors."),
    machine: MachineSchema.prefault({}),
    qemu: QemuSchema.prefault({}),
    kernel: path.optional().describe("Guest kernel image (QEMU -kernel)."),
    initrd: path.optional().describe("Guest initial ramdisk (QEMU -initrd); needs 'kernel'."),
    append: z
      .string()
      .optional()
      .describe("Guest kernel command line (QEMU -append); needs 'kernel'."),
    firmware: path
      .optional()
      .describe("Firmware to boot instead of a kernel (QEMU -bios), e.g. EDK2's QEMU_EFI.fd."),
    devices: z.array(DeviceSchema).describe("Host devices to assign, in the order QEMU gets them."),
    overlays: z
      .array(path)
      .default([])
      .describe("DTS overlay files applied on top of the generated guest device tree, in order."),
    plugins: z
      .array(path)
      .default([])
      .describe(
        "Extra board plugins: a path to a module, or an npm package named platpass-board-*.",
      ),
  })
  .superRefine((c, ctx) => {
    if (c.kernel !== undefined && c.firmware !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["firmware"],
        message: "'kernel' and 'firmware' exclude each other: boot either a kernel or firmware",
      });
    }
    for (const key of ["initrd", "append"] as const) {
      if (c[key] !== undefined && c.kernel === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `'${key}' needs 'kernel'`,
        });
      }
    }
    const seen = new Map<string, number>();
    c.devices.forEach((d, i) => {
      const first = seen.get(d.host);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["devices", i, "host"],
          message: `'${d.host}' is already assigned by devices[${first}]`,
        });
      } else seen.set(d.host, i);
    });
  })
  .meta({
    title: "platpass config",
    description:
      "What platpass runs: the QEMU virt machine, the guest's boot and the host devices to assign.",
  });

/** A config as written in the file (defaults not yet applied). */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** A validated config with every default applied. */
export type Config = z.output<typeof ConfigSchema>;
export type MachineConfig = Config["machine"];
export type DeviceConfig = Config["devices"][number];

/** qemu.vfioBackend. */
export type VfioBackendChoice = z.infer<typeof QemuSchema>["vfioBackend"];
