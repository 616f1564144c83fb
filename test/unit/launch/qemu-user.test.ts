/** qemu.user resolved on the host, its memlock limit, and what it may open. */
import { describe, expect, it } from "vitest";
import {
  assertKvmAccess,
  assertReachable,
  type Lookup,
  memlockBytes,
  resolveQemuUser,
  userMay,
} from "../../../src/launch/qemu-user.js";

const PASSWD = "platpass-qemu:x:998:997::/home/platpass-qemu:/usr/sbin/nologin";
const KVM = "kvm:x:105:platpass-qemu";

function lookup(lines: Record<string, string>): Lookup {
  return async (database, key) => lines[`${database}:${key}`];
}

const user = { name: "platpass-qemu", uid: 998, gid: 997, groups: [105], memlockBytes: 0 };

describe("QEMU's user", () => {
  it("may lock the guest's RAM plus libvirt's 1 GiB for VFIO", () => {
    expect(memlockBytes(256)).toBe(1_342_177_280);
    expect(memlockBytes(4096)).toBe(5 * 1024 ** 3);
  });

  it("is the configured user with its primary group, group kvm and the guest's memlock", async () => {
    const found = lookup({ "passwd:platpass-qemu": PASSWD, "group:kvm": KVM });
    expect(await resolveQemuUser("platpass-qemu", 256, found)).toEqual({
      name: "platpass-qemu",
      uid: 998,
      gid: 997,
      groups: [105],
      memlockBytes: 1_342_177_280,
    });
  });

  it('is root for "root" and for any user with uid 0, without a lookup of kvm', async () => {
    expect(await resolveQemuUser("root", 256, lookup({}))).toBe("root");
    expect(
      await resolveQemuUser("toor", 256, lookup({ "passwd:toor": "toor:x:0:0::/:/bin/sh" })),
    ).toBe("root");
  });

  it("names provision --for launch when the user does not exist", async () => {
    await expect(resolveQemuUser("platpass-qemu", 256, lookup({}))).rejects.toMatchObject({
      code: "HOST_QEMU_USER_MISSING",
      errorClass: "host",
      message: "the user platpass-qemu that QEMU is to run as (qemu.user) does not exist",
      hint: expect.stringContaining("platpass provision --for launch"),
    });
  });

  it("gives the useradd line for a user of another name", async () => {
    await expect(resolveQemuUser("vmm", 256, lookup({}))).rejects.toMatchObject({
      hint: expect.stringContaining("--groups kvm vmm"),
    });
  });

  it("is refused on a host without group kvm", async () => {
    const noKvm = lookup({ "passwd:platpass-qemu": PASSWD });
    await expect(resolveQemuUser("platpass-qemu", 256, noKvm)).rejects.toMatchObject({
      code: "HOST_QEMU_USER_MISSING",
      where: "/etc/group",
    });
  });

  it("may open /dev/kvm as udev leaves it (root:kvm 0660), not as the kernel makes it (0600)", () => {
    expect(userMay({ uid: 0, gid: 105, mode: 0o20660 }, user, 0o6)).toBe(true);
    expect(() => assertKvmAccess({ uid: 0, gid: 0, mode: 0o20600 }, user)).toThrow(
      expect.objectContaining({
        code: "HOST_KVM_DENIED",
        message: expect.stringContaining("mode 0600, uid 0, gid 0"),
        hint: expect.stringContaining("chgrp kvm /dev/kvm && chmod 0660 /dev/kvm"),
      }),
    );
  });

  it("uses the owner's bits for its own files, not the group's or others'", () => {
    expect(userMay({ uid: 998, gid: 105, mode: 0o066 }, user, 0o6)).toBe(false);
    expect(userMay({ uid: 1, gid: 2, mode: 0o006 }, user, 0o6)).toBe(true);
  });

  it("must reach the temporary directory: the first ancestor it cannot search is named", async () => {
    const modes: Record<string, number> = { "/": 0o755, "/tmp": 0o1777, "/tmp/private": 0o700 };
    const statOf = async (p: string) => ({ uid: 0, gid: 0, mode: modes[p]! });
    await expect(assertReachable("/tmp", user, statOf)).resolves.toBeUndefined();
    await expect(assertReachable("/tmp/private", user, statOf)).rejects.toMatchObject({
      code: "HOST_QEMU_USER_NO_PATH",
      where: "/tmp/private",
      message:
        "QEMU's user platpass-qemu cannot reach /tmp/private: /tmp/private is mode 0700 (uid 0, gid 0)",
    });
  });
});
