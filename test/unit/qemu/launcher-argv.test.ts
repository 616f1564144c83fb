/** The command line a launch execs: QEMU alone, under setpriv's parent-death signal, or as qemu.user. */
import { describe, expect, it } from "vitest";
import {
  guarded,
  type QemuCredentials,
  qemuCommandLine,
  TRACE_ARGS,
} from "../../../src/qemu/launcher.js";

const QEMU = "/usr/bin/qemu-system-aarch64";
const base = { binary: QEMU, argv: ["-M", "virt"], qmpSocket: "/tmp/s/qmp.sock" };
const qemuTail = [
  QEMU,
  "-M",
  "virt",
  "-qmp",
  "unix:/tmp/s/qmp.sock,server=on,wait=off",
  ...TRACE_ARGS,
];
const user: QemuCredentials = {
  name: "platpass-qemu",
  uid: 998,
  gid: 997,
  groups: [105],
  memlockBytes: 1_342_177_280,
};
const everything = () => true;

describe("QEMU's command line", () => {
  it("raises RLIMIT_MEMLOCK as root, then drops to the user with kvm alone and no capabilities", () => {
    expect(qemuCommandLine({ ...base, runAs: user }, everything)).toEqual({
      file: "/usr/bin/prlimit",
      args: [
        "--memlock=1342177280:1342177280",
        "--",
        "/usr/bin/setpriv",
        "--pdeathsig",
        "KILL",
        "--",
        ...guarded([
          "/usr/bin/setpriv",
          "--pdeathsig",
          "KILL",
          "--reuid=998",
          "--regid=997",
          "--groups=105",
          "--inh-caps=-all",
          "--bounding-set=-all",
          "--no-new-privs",
          "--",
          ...qemuTail,
        ]),
      ],
    });
  });

  it("clears the supplementary groups of a user given none", () => {
    const { args } = qemuCommandLine({ ...base, runAs: { ...user, groups: [] } }, everything);
    expect(args).toContain("--clear-groups");
    expect(args.filter((a) => a.startsWith("--groups"))).toEqual([]);
  });

  it("keeps QEMU as platpass's user under setpriv's parent-death signal without runAs", () => {
    expect(qemuCommandLine(base, everything)).toEqual({
      file: "/usr/bin/setpriv",
      args: ["--pdeathsig", "KILL", "--", ...guarded(qemuTail)],
    });
    expect(qemuCommandLine(base, () => false)).toEqual({ file: QEMU, args: qemuTail.slice(1) });
  });

  it("execs QEMU through a shell that checks its parent is still this platpass", () => {
    expect(guarded(qemuTail, 4242)).toEqual([
      "/bin/sh",
      "-c",
      'if [ "$PPID" != "$1" ]; then exit 70; fi; shift; exec "$@"',
      "platpass-parent-guard",
      "4242",
      ...qemuTail,
    ]);
  });

  it("refuses to start QEMU as the user when prlimit or setpriv is missing, naming util-linux", () => {
    const noPrlimit = (p: string) => p !== "/usr/bin/prlimit";
    expect(() => qemuCommandLine({ ...base, runAs: user }, noPrlimit)).toThrow(
      expect.objectContaining({
        code: "QEMU_NO_PRIVILEGE_DROP",
        where: "/usr/bin/prlimit",
        hint: expect.stringContaining("util-linux"),
      }),
    );
  });
});
