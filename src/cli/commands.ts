import type { Command } from "./command.js";

/**
 * Every CLI command, in the order `platpass --help` lists them. A command module (and what
 * it imports) is loaded only when that command runs: inside the emulated ARM host, under TCG,
 * loading every module for every call cost seconds per command.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    name: "launch",
    summary: "run a guest with the config's devices assigned: detach, QEMU, verify, reattach",
    load: async () => (await import("./launch.js")).launchCommand,
  },
  {
    name: "plan",
    summary: "plan the assignment: plugin, addresses, SPIs, guest DT and QEMU argv per device",
    load: async () => (await import("./plan.js")).planCommand,
  },
  {
    name: "dtb",
    summary: "write the guest device tree (QEMU's base DTB plus the planned nodes), checked by dtc",
    load: async () => (await import("./dtb.js")).dtbCommand,
  },
  {
    name: "demo",
    summary: "assign a TPM to a nested guest on the emulated ARM host, narrated (npm run demo)",
    load: async () => (await import("./demo.js")).demoCommand,
  },
  {
    name: "doctor",
    summary: "what this machine has and lacks for planning, launching, the emulated host and tests",
    load: async () => (await import("./doctor.js")).doctorCommand,
  },
  {
    name: "provision",
    summary: "install the Debian packages a role needs (idempotent; root)",
    load: async () => (await import("./provision.js")).provisionCommand,
  },
  {
    name: "qemu probe",
    summary:
      "which QEMU platpass uses, its version and what it can assign (vfio-platform, irqfd, iommufd, fd)",
    load: async () => (await import("./qemu-probe.js")).qemuProbeCommand,
  },
  {
    name: "dt dts",
    summary: "print a DTB as device-tree source (as dtc -I dtb -O dts would)",
    load: async () => (await import("./dt-dts.js")).dtDtsCommand,
  },
  {
    name: "dt get",
    summary: "print one node or property of a DTB (like fdtget)",
    load: async () => (await import("./dt-get.js")).dtGetCommand,
  },
  {
    name: "inspect",
    summary: "what VFIO reports for a bound device: flags, regions, IRQs, group, IOMMU mode",
    load: async () => (await import("./inspect.js")).inspectCommand,
  },
  {
    name: "peek",
    summary: "read one register of a VFIO device region (bring-up)",
    load: async () => (await import("./peek.js")).peekCommand,
  },
  {
    name: "poke",
    summary: "write one register of a VFIO device region (bring-up)",
    load: async () => (await import("./poke.js")).pokeCommand,
  },
  {
    name: "list",
    summary: "the host's platform and AMBA devices: drivers, IOMMU groups, readiness for vfio",
    load: async () => (await import("./list.js")).listCommand,
  },
  {
    name: "detach",
    summary: "move devices from their host drivers to vfio (like virsh nodedev-detach)",
    load: async () => (await import("./detach.js")).detachCommand,
  },
  {
    name: "reattach",
    summary: "give detached devices back to their host drivers (like virsh nodedev-reattach)",
    load: async () => (await import("./reattach.js")).reattachCommand,
  },
  {
    name: "restore",
    summary: "undo the driver changes an interrupted platpass run left behind",
    load: async () => (await import("./restore.js")).restoreCommand,
  },
  {
    name: "bed build",
    summary: "fetch and build the emulated ARM host's assets (idempotent, cached)",
    load: async () => (await import("./bed-build.js")).bedBuildCommand,
  },
  {
    name: "bed run",
    summary: "run a command as root inside the emulated ARM host",
    load: async () => (await import("./bed-run.js")).bedRunCommand,
  },
  {
    name: "bed shell",
    summary: "an interactive root shell inside the emulated ARM host",
    load: async () => (await import("./bed-shell.js")).bedShellCommand,
  },
];
