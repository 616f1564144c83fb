import { defineConfig } from "vitest/config";

// Three lanes (DESIGN.md "Tests, in three lanes"). Files run one at a time, on any number of
// cores: parallel TCG guests only make each other time out. Vitest takes fileParallelism only
// for the whole run, not per project (a project's own was ignored: three files ran at once
// with --maxWorkers=3), so the unit lane, which starts no process, asks for it on the command
// line (scripts/test.mjs, npm run test:unit).
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          globalSetup: ["test/support/private-tmpdir.ts"],
          setupFiles: ["test/support/pure-unit.ts"],
          testTimeout: 60_000,
        },
      },
      {
        // Hostile state and hostile input (Firecracker groups tests by purpose): real files,
        // real processes, run as root with an unprivileged user planting the attacks.
        test: {
          name: "security",
          include: ["test/security/**/*.test.ts"],
          globalSetup: ["test/support/private-tmpdir.ts"],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: "qemu",
          include: ["test/qemu/**/*.test.ts"],
          globalSetup: ["test/support/private-tmpdir.ts"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
      {
        test: {
          name: "bed",
          include: ["test/bed/**/*.test.ts"],
          testTimeout: 900_000,
          hookTimeout: 1_800_000,
        },
      },
      {
        // The emulated host's 6.12 line (iommufd, VFIO cdevs, QEMU 10.0); npm test runs it
        // side by side with the bed lane (scripts/test.mjs).
        test: {
          name: "bed-6.12",
          include: ["test/bed-6.12/**/*.test.ts"],
          testTimeout: 1_600_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
