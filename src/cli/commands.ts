import type { CommandIO, OptionSpec, ParsedArgs } from "./command.js";

/**
 * Every CLI command, in the order `platpass --help` lists them: the one place a command's
 * name, summary, usage, help and options are written. `--help` and every argument check
 * come from here alone; the command's module, and all it imports, is loaded only to run it:
 * inside the emulated ARM host, under TCG and over 9p, each module file a call reads costs
 * it milliseconds, and `plan` alone reads a few hundred.
 */
export interface CommandEntry {
  /** One or two words: "doctor", "dt dts". */
  name: string;
  summary: string;
  /** Usage line after `platpass <name> `. */
  usage: string;
  /** Longer help: what it does, options explained. */
  help: string;
  options?: OptionSpec;
  /** Whether the command prints data and so accepts --json. */
  json?: boolean;
  /** Allowed positional count [min, max]. */
  positionals?: [number, number];
  load(): Promise<CommandModule>;
}

/** What a command's module exports. */
export interface CommandModule {
  run(args: ParsedArgs, io: CommandIO): Promise<number>;
}

/** How inspect, peek and poke open the device. */
const OPEN_OPTIONS: OptionSpec = {
  legacy: { type: "boolean" },
  iommufd: { type: "boolean" },
};

const REGISTER_OPTIONS: OptionSpec = {
  ...OPEN_OPTIONS,
  width: { type: "string", short: "w" },
  mmap: { type: "boolean" },
};

/** The options `bed run` and `bed shell` share (parsed by bed-options.ts). */
const BED_MACHINE_OPTIONS: OptionSpec = {
  kernel: { type: "string" },
  gic: { type: "string" },
  smp: { type: "string" },
  mem: { type: "string" },
  timeout: { type: "string" },
};

/** `plan` and `dtb` check the guest nodes against Linux's bindings on request, and with --strict refuse findings. */
const VALIDATE_OPTIONS: OptionSpec = {
  validate: { type: "boolean" },
  bindings: { type: "string" },
  strict: { type: "boolean" },
};

const VALIDATE_HELP = [
  "      --validate      check each guest node with dt-schema's dt-validate against Linux 6.1's",
  "                      bindings (processed once, cached: 'platpass provision --for validate');",
  "                      each error is marked inherited (the host node breaks the rule too) or",
  "                      introduced by the plan. Binding errors do not change the exit status",
  "      --bindings PATH validate against a kernel tree, bindings folder, source tarball or",
  "                      processed schema (.json) instead (implies --validate; default",
  "                      $PLATPASS_BINDINGS)",
  "      --strict        refuse the plan (exit 3, PLAN_GUEST_DRIVER_FINDINGS) when any device has",
  "                      a guest-driver finding: a requirement its guest driver will not probe",
  "                      without (a clock of unknown rate, resets, DMA, a host syscon, ...)",
].join("\n");

const BED_KERNEL_HELP =
  "  --kernel 6.1|6.12  Debian 12's arm64 kernel line the host boots (default 6.1; 6.12 adds\n                     iommufd and VFIO device cdevs)";

/** Which assignable-devices policy launch, detach, list and doctor read. */
const POLICY_OPTIONS: OptionSpec = { policy: { type: "string" } };

const POLICY_HELP =
  "  --policy FILE    the assignable-devices policy (default $PLATPASS_POLICY, else\n                   /etc/platpass/policy.json); when it exists, a device it does not\n                   allow is refused (exit 4, POLICY_DEVICE_NOT_ALLOWED) before anything\n                   is changed";

const BED_MACHINE_HELP =
  BED_KERNEL_HELP +
  "\n  --gic 2|3     GIC version of the emulated host (default 3; 2 loads vfio_iommu_type1\n                with allow_unsafe_interrupts=1, as a GICv2 host has no MSI remapping)\n  --smp N       CPUs (default 2)\n  --mem M       memory in MiB (default 1024)\n  --timeout S   wall clock for everything, building included (default 600 s)";

export const commands: readonly CommandEntry[] = [
  {
    name: "launch",
    summary: "run a guest with the config's devices assigned: detach, QEMU, verify, reattach",
    usage: "CONFIG [--json] [--grace SECONDS] [--console] [--trace-log FILE] [--policy FILE]",
    help: [
      "Plans the config (as 'platpass plan' does), binds the devices to vfio (journaled and locked),",
      "starts QEMU with the guest DTB and the devices in planned order, then proves the wiring",
      "against QEMU's own info mtree/info qtree and reports how each IRQ is injected (irqfd with",
      "resample, irqfd, or QEMU's slow user-space path, with its cost). The guest's console is",
      "printed on stdout. On Ctrl-C or SIGTERM the guest is powered down (QEMU quits after",
      "--grace seconds); with --console the terminal is the guest's (Ctrl-A X quits QEMU). The",
      "devices go back to their drivers on every exit path; if platpass itself is killed, QEMU",
      "goes with it and the next launch or 'platpass restore' gives the devices back.",
      "",
      "  --grace SECONDS  time the guest gets to power off before QEMU is told to quit (15)",
      "  --console        give the terminal to the guest's console (default when stdin is a TTY)",
      "  --trace-log FILE write QEMU's vfio trace lines (the injection report's evidence) to FILE",
      "                   as they arrive, so it holds them however the launch ends",
      "  --json           one JSON event per line (discovered, planned, detached, verified,",
      "                   injection, guest, qemu-exited, reattached, ...) for CI",
      POLICY_HELP,
    ].join("\n"),
    options: {
      ...POLICY_OPTIONS,
      grace: { type: "string" },
      console: { type: "boolean" },
      "trace-log": { type: "string" },
    },
    json: true,
    positionals: [1, 1],
    load: () => import("./launch.js"),
  },
  {
    name: "plan",
    summary: "plan the assignment: plugin, addresses, SPIs, guest DT and QEMU argv per device",
    usage: "CONFIG [--host-dtb FILE] [--validate [--bindings PATH]] [--strict] [--json]",
    help: [
      "Reads CONFIG, finds each device on the host (or in --host-dtb FILE, a board DTB, to plan",
      "offline), picks its board plugin and places it on QEMU's platform bus exactly as QEMU will.",
      "Prints one row per region and IRQ, the warnings (every host property left out of the guest),",
      "the guest-driver findings (what the guest driver will not probe without) and the QEMU",
      "command line. --json prints the whole plan, guest DTB included (base64), and",
      "with --validate its findings as 'validation'.",
      VALIDATE_HELP,
    ].join("\n"),
    json: true,
    positionals: [1, 1],
    options: { "host-dtb": { type: "string" }, ...VALIDATE_OPTIONS },
    load: () => import("./plan.js"),
  },
  {
    name: "dtb",
    summary: "write the guest device tree (QEMU's base DTB plus the planned nodes), checked by dtc",
    usage:
      "CONFIG [--host-dtb FILE] -o FILE [--dts] [--validate [--bindings PATH]] [--strict] [--json]",
    help: [
      "Plans CONFIG as 'platpass plan' does and writes the guest device tree to FILE: QEMU's own",
      "dump of the configured virt machine, the planned platform-bus nodes and the config's",
      "overlays. dtc checks the result; its warnings are printed, an error fails the command.",
      "  -o, --output FILE   where to write the tree: a new file beside FILE renamed over it, so a",
      "                      failure leaves FILE as it was; a stream (/dev/stdout, a pipe) is",
      "                      written as it is, a directory or block device is refused",
      "      --dts           write device-tree source instead of a DTB",
      "      --host-dtb FILE plan offline against a board DTB",
      VALIDATE_HELP,
    ].join("\n"),
    json: true,
    positionals: [1, 1],
    options: {
      "host-dtb": { type: "string" },
      output: { type: "string", short: "o" },
      dts: { type: "boolean" },
      ...VALIDATE_OPTIONS,
    },
    load: () => import("./dtb.js"),
  },
  {
    name: "demo",
    summary: "assign a TPM to a nested guest on the emulated ARM host, narrated (npm run demo)",
    usage: "[--gic 2|3] [--json]",
    help: [
      "Builds (cached) and boots the emulated ARM host, then runs 'platpass launch' inside it to",
      "assign its platform TPM to a nested KVM guest through vfio-platform. You see what platpass",
      "discovered, planned and verified against QEMU, how the TPM's interrupt reaches the guest,",
      "the guest reading random bytes from the TPM, and the TPM back on its host driver after.",
      "",
      "  --gic 2  GICv2 host: QEMU injects the TPM's interrupt through irqfd with resample (default)",
      "  --gic 3  GICv3 host: QEMU 7.2 falls back to its slow user-space path, and platpass says so",
    ].join("\n"),
    options: { gic: { type: "string" } },
    json: true,
    load: () => import("./demo.js"),
  },
  {
    name: "doctor",
    summary: "what this machine has and lacks for planning, launching, the emulated host and tests",
    usage: "[--policy FILE] [--json]",
    help: `Checks QEMU (and whether it still has vfio-platform), dtc, swtpm, KVM, the vfio modules,
the Debian packages each role needs, apt reachability and the assignable-devices policy (none
in force, its rules, or why it is refused). Each lack comes with the command that fixes it.
Exits 0 even when something is missing: it reports, it does not judge.

${POLICY_HELP}`,
    options: POLICY_OPTIONS,
    json: true,
    load: () => import("./doctor.js"),
  },
  {
    name: "provision",
    summary: "install the Debian packages a role needs (idempotent; root)",
    usage: "[--for plan|launch|bed|validate|tests] [--json]",
    help: "Installs, with apt-get, the Debian packages the role needs when they are missing, and adds\nthe arm64 dpkg architecture for the emulated host. Does nothing when all is present. Without\nroot it installs nothing and prints the exact commands to run. For 'tests' it also fetches\nbookworm-backports' qemu-system-aarch64 10.0 into the platpass cache (not installed\nsystem-wide): the tests' second QEMU, with vfio-platform's fd and iommufd. For 'validate'\nand 'tests' it fetches linux-source-6.1 into the cache and processes its device-tree\nbindings with dt-mk-schema, once (a few minutes), for 'plan --validate'.",
    options: { for: { type: "string" } },
    json: true,
    load: () => import("./provision.js"),
  },
  {
    name: "qemu probe",
    summary:
      "which QEMU platpass uses, its version and what it can assign (vfio-platform, irqfd, iommufd, fd)",
    usage: "[--qemu PATH] [--refresh] [--json]",
    help: "Finds qemu-system-aarch64 (--qemu, else $PLATPASS_QEMU, else $PATH) and asks it over QMP\n(query-version, device-list-properties) which of vfio-platform, vfio-calxeda-xgmac,\nvfio-amd-xgbe and tpm-tis-device it has, and whether vfio-platform takes x-irqfd, iommufd\nand fd. Answers are cached per binary path and modification time.\n  --qemu PATH   the QEMU binary to probe\n  --refresh     probe again even when a cached answer exists",
    options: { qemu: { type: "string" }, refresh: { type: "boolean" } },
    json: true,
    load: () => import("./qemu-probe.js"),
  },
  {
    name: "dt dts",
    summary: "print a DTB as device-tree source (as dtc -I dtb -O dts would)",
    usage: "FILE.dtb [--json]",
    help: "Reads FILE.dtb with platpass's own reader and prints it as DTS that dtc compiles back to\nthe same tree. Values are typed as dtc types them: strings, <cells> in hex, or [bytes].\nWith --json, prints every node with its typed properties instead.",
    json: true,
    positionals: [1, 1],
    load: () => import("./dt-dts.js"),
  },
  {
    name: "dt get",
    summary: "print one node or property of a DTB (like fdtget)",
    usage: "FILE.dtb NODE-PATH [PROPERTY] [--json]",
    help: "NODE-PATH is an absolute path (/soc/serial@9000000; the unit address may be left out\nwhen it is unambiguous), or an alias or label (serial0, or serial0/child).\nWith PROPERTY, prints its value: strings as text, cells in hex, other values as bytes.\nWithout, prints the node's properties and the names of its children.",
    json: true,
    positionals: [2, 3],
    load: () => import("./dt-get.js"),
  },
  {
    name: "inspect",
    summary: "what VFIO reports for a bound device: flags, regions, IRQs, group, IOMMU mode",
    usage: "DEV [--legacy|--iommufd] [--json]",
    help: "Opens DEV (a sysfs platform or amba device name, e.g. c000000.tpm_tis, bound to vfio-platform\nor vfio-amba) through VFIO and prints its device flags, every region (size, offset, read/write/\nmmap, capabilities) and every IRQ (count, eventfd/maskable/automasked: level or edge), with its\nIOMMU group and the IOMMU mode used. --legacy forces the container/group path, --iommufd the\ndevice cdev path (Linux 6.6+); by default iommufd is used when offered.",
    options: OPEN_OPTIONS,
    json: true,
    positionals: [1, 1],
    load: () => import("./inspect.js"),
  },
  {
    name: "peek",
    summary: "read one register of a VFIO device region (bring-up)",
    usage: "DEV REGION OFFSET [--width 8|16|32|64] [--mmap] [--json]",
    help: "Reads the register at OFFSET (decimal or 0x-hex, relative to the region) of region REGION of\nDEV through VFIO and prints it in hex. --width is the access width in bits (default 32); the\noffset must be aligned to it. By default the access is a pread on the device fd; --mmap reads\nthrough an mmap of the region instead (only for regions that allow mmap).",
    options: REGISTER_OPTIONS,
    json: true,
    positionals: [3, 3],
    load: () => import("./peek.js"),
  },
  {
    name: "poke",
    summary: "write one register of a VFIO device region (bring-up)",
    usage: "DEV REGION OFFSET VALUE [--width 8|16|32|64] [--mmap] [--json]",
    help: "Writes VALUE (decimal or 0x-hex) to the register at OFFSET of region REGION of DEV through\nVFIO. --width is the access width in bits (default 32); VALUE must fit in it and OFFSET be\naligned to it. By default the access is a pwrite on the device fd; --mmap writes through an\nmmap of the region. Device registers have side effects: this is for bring-up.",
    options: REGISTER_OPTIONS,
    json: true,
    positionals: [4, 4],
    load: () => import("./poke.js"),
  },
  {
    name: "list",
    summary: "the host's platform and AMBA devices: drivers, IOMMU groups, readiness for vfio",
    usage: "[--host-dtb FILE] [--policy FILE] [--json]",
    help: [
      "Lists every device-tree platform and AMBA device with its compatible, current driver,",
      "driver_override, IOMMU group (and the group's other members), and what stands between it",
      "and vfio: the vfio modules, a reset handler for vfio-platform, group viability, and MSI",
      "remapping (a host without a GICv3 ITS needs vfio_iommu_type1 allow_unsafe_interrupts=1).",
      "Regions and IRQs come from VFIO for devices bound to vfio, else from the host DT node.",
      "",
      "--host-dtb FILE builds the same model from a board DTB instead of this machine's sysfs:",
      "device names as the kernel would give them (e.g. e0700000.xgmac), regions translated",
      "through the parents' ranges, IRQ trigger types from the interrupt specifiers.",
      "",
      "POLICY says what the assignable-devices policy decides for each device, for the user",
      "asking (the sudo user under sudo): 'rule N' allows it, 'no (rule N)' denies it, 'no' when",
      "no rule matches; without a policy file the column is left out and a line says so.",
      POLICY_HELP,
    ].join("\n"),
    options: { "host-dtb": { type: "string" }, ...POLICY_OPTIONS },
    json: true,
    load: () => import("./list.js"),
  },
  {
    name: "detach",
    summary: "move devices from their host drivers to vfio (like virsh nodedev-detach)",
    usage: "DEV... [--driver vfio-platform] [--policy FILE] [--json]",
    help: [
      "For each DEV (a sysfs name from 'platpass list'): journal what it has now, set its",
      "driver_override, unbind its driver, probe, and verify the vfio driver is bound and",
      "/dev/vfio/N exists. Devices sharing an IOMMU group must be detached together; a group",
      "with a member still bound to a host driver is refused, naming it. A failure puts back",
      "every device already moved. 'platpass reattach DEV' undoes it; 'platpass restore'",
      "undoes what an interrupted detach left.",
      "",
      "--driver NAME  the vfio driver to bind (default: vfio-platform, or vfio-amba on amba)",
      POLICY_HELP,
    ].join("\n"),
    options: { driver: { type: "string" }, ...POLICY_OPTIONS },
    json: true,
    positionals: [1, 64],
    load: () => import("./detach.js"),
  },
  {
    name: "reattach",
    summary: "give detached devices back to their host drivers (like virsh nodedev-reattach)",
    usage: "DEV... [--json]",
    help: [
      "For each DEV: check no process holds its IOMMU group, unbind it from vfio, restore the",
      "driver_override it had, probe, and verify the driver recorded at detach is bound again.",
      "A device bound to vfio that platpass did not detach gets whatever driver probes it.",
    ].join("\n"),
    json: true,
    positionals: [1, 64],
    load: () => import("./reattach.js"),
  },
  {
    name: "restore",
    summary: "undo the driver changes an interrupted platpass run left behind",
    usage: "[--all] [--json]",
    help: [
      "Reads the binding journal and puts every device changed by a platpass process that is",
      "no longer running back as it was (driver, driver_override), then removes stale locks.",
      "Devices detached on purpose with 'platpass detach' stay on vfio unless --all is given.",
      "Exits 4 (host) when a device could not be restored; the journal keeps it for a retry.",
      "A journal file that is not a usable entry is moved to the state directory's quarantine/",
      "and named (exit 4, HOST_STATE_ENTRY_INVALID); the other devices are restored all the same.",
      "",
      "--all  also reattach devices detached with 'platpass detach'",
    ].join("\n"),
    options: { all: { type: "boolean" } },
    json: true,
    load: () => import("./restore.js"),
  },
  {
    name: "bed build",
    summary: "fetch and build the emulated ARM host's assets (idempotent, cached)",
    usage: "[--kernel 6.1|6.12] [--json]",
    help: `Downloads (once) Debian's arm64 kernel, headers, sources and userland and Node for arm64,
cross-builds the modules the kernel lacks, and packs the L1 and nested-guest initramfs
images, each step cached under the platpass cache directory. A second run does nothing.
Builds one kernel line's bed (each is cached on its own). PLATPASS_OFFLINE=1 forbids downloads.

${BED_KERNEL_HELP}`,
    options: { kernel: { type: "string" } },
    json: true,
    load: () => import("./bed-build.js"),
  },
  {
    name: "bed run",
    summary: "run a command as root inside the emulated ARM host",
    usage: "[--kernel 6.1|6.12] [--gic 2|3] [--smp N] [--mem M] [--timeout S] [--json] -- CMD…",
    help: `Boots the emulated aarch64 host (L1) under QEMU TCG, runs CMD as root inside it (in
/platpass, the read-only mounted checkout), streams its output and exits with CMD's exit
code. L1 always powers off; QEMU, swtpm and temporary files are always cleaned up. With
--json, prints {exitCode, output, timings} at the end instead of streaming.

${BED_MACHINE_HELP}`,
    options: BED_MACHINE_OPTIONS,
    json: true,
    load: () => import("./bed-run.js"),
  },
  {
    name: "bed shell",
    summary: "an interactive root shell inside the emulated ARM host",
    usage: "[--kernel 6.1|6.12] [--gic 2|3] [--smp N] [--mem M] [--timeout S]",
    help: `Boots the emulated aarch64 host (L1) and gives you bash on its console, in the same world
'platpass bed run' commands see. Exit the shell to power off. Ctrl-C goes to the shell.

${BED_MACHINE_HELP}`,
    options: BED_MACHINE_OPTIONS,
    load: () => import("./bed-shell.js"),
  },
];
