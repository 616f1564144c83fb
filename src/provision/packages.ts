/**
 * The Debian packages each role needs. One list, used by `platpass provision`, by
 * `npm test` (through scripts/test.mjs) and by `platpass doctor`.
 */

export type Role = "plan" | "launch" | "bed" | "validate" | "tests";

export const ROLE_PACKAGES: Record<Role, readonly string[]> = {
  // Planning needs QEMU only for its own DTB dump, and dtc to check what we write.
  plan: ["qemu-system-arm", "device-tree-compiler"],
  // ipxe-qemu: the option ROMs of QEMU's PCI NICs, for a guest given one with qemu.extraArgs
  // (provisioning skips Recommends, where Debian puts it).
  launch: ["qemu-system-arm", "device-tree-compiler", "ipxe-qemu"],
  // The emulated ARM host: cross toolchain for the out-of-tree modules and the addon,
  // kernel build prerequisites, initramfs tools, debootstrap for the nested userland.
  bed: [
    "qemu-system-arm",
    "swtpm",
    "swtpm-tools",
    "device-tree-compiler",
    "busybox-static",
    "kmod",
    "cpio",
    "xz-utils",
    "gcc-aarch64-linux-gnu",
    "g++-aarch64-linux-gnu",
    "libc6-dev-arm64-cross",
    "make",
    "bc",
    "flex",
    "bison",
    "libssl-dev",
    "libelf-dev",
    "debootstrap",
    "dpkg-dev",
  ],
  // Planning with --validate: plan's packages and Debian's dt-schema (dt-validate,
  // dt-mk-schema, pylibfdt to read DTBs). Linux's bindings come from linux-source-6.1, fetched
  // into the cache (apt-get download, as the bed's module build does) rather than installed;
  // xz-utils unpacks its tarball.
  validate: ["qemu-system-arm", "device-tree-compiler", "dt-schema", "xz-utils"],
  // Beyond the other roles' packages, nothing: the tests' second QEMU (bookworm-backports'
  // 10.0, cached by provision, see backports-qemu.ts) links only libraries qemu-system-arm
  // 7.2 already depends on (its Depends are a subset of 7.2's; checked with ldd on amd64).
  tests: [],
};

/** Roles' packages, tests needing everything. */
export function packagesFor(role: Role): string[] {
  if (role === "tests") {
    return [
      ...new Set([
        ...ROLE_PACKAGES.plan,
        ...ROLE_PACKAGES.launch,
        ...ROLE_PACKAGES.bed,
        ...ROLE_PACKAGES.validate,
        ...ROLE_PACKAGES.tests,
      ]),
    ];
  }
  return [...ROLE_PACKAGES[role]];
}

/** Foreign architectures the role needs dpkg to know (for `apt-get download pkg:arm64`). */
export function architecturesFor(role: Role): string[] {
  return role === "bed" || role === "tests" ? ["arm64"] : [];
}
