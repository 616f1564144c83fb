import { describe, expect, it } from "vitest";
import { parseGroup, parsePasswd, requesterOf } from "../../../src/policy/requester.js";

const passwd = parsePasswd(
  [
    "root:x:0:0:root:/root:/bin/bash",
    "# a comment",
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
    "broken line",
    "bob:x:1001:100::/home/bob:/bin/sh",
  ].join("\n"),
);
const group = parseGroup(
  ["root:x:0:", "users:x:100:", "alice:x:1000:", "vfio:x:120:bob,alice", "kvm:x:121:bob"].join(
    "\n",
  ),
);
const root = { uid: 0, gid: 0, groups: [0], passwd, group };

describe("requesterOf", () => {
  it("is the process's own user and groups without sudo", () => {
    expect(requesterOf({ ...root, env: {} })).toEqual({
      uid: 0,
      user: "root",
      groups: [{ gid: 0, name: "root" }],
      viaSudo: false,
    });
  });

  it("is the sudo user with their primary group and the /etc/group entries that list them", () => {
    const env = { SUDO_UID: "1001", SUDO_GID: "100", SUDO_USER: "bob" };
    expect(requesterOf({ ...root, env })).toEqual({
      uid: 1001,
      user: "bob",
      groups: [
        { gid: 100, name: "users" },
        { gid: 120, name: "vfio" },
        { gid: 121, name: "kvm" },
      ],
      viaSudo: true,
    });
  });

  it("takes the name and primary group from /etc/passwd when sudo's variables lack them", () => {
    const r = requesterOf({ ...root, env: { SUDO_UID: "1000" } });
    expect(r).toMatchObject({ uid: 1000, user: "alice", viaSudo: true });
    expect(r.groups.map((g) => g.name)).toEqual(["alice", "vfio"]);
  });

  it("believes SUDO_UID only from root: anyone can set it for a process of their own", () => {
    const r = requesterOf({ ...root, uid: 1001, gid: 100, groups: [], env: { SUDO_UID: "0" } });
    expect(r).toMatchObject({ uid: 1001, user: "bob", viaSudo: false });
  });

  it("ignores a SUDO_UID that is not a number", () => {
    expect(requesterOf({ ...root, env: { SUDO_UID: "alice" } }).uid).toBe(0);
  });
});
