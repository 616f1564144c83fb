import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/parse.js";
import {
  admit,
  decide,
  globMatches,
  type PolicySubject,
  type Requester,
} from "../../../src/policy/rules.js";
import { readmeBlock } from "../../support/readme.js";

const TPM: PolicySubject = {
  name: "c000000.tpm_tis",
  compatible: ["tcg,tpm-tis-mmio"],
  iommuGroup: 0,
};
const VIRTIO: PolicySubject = {
  name: "a000000.virtio_mmio",
  compatible: ["virtio,mmio"],
  iommuGroup: 1,
};
const MAC: PolicySubject = {
  name: "fe300000.ethernet",
  compatible: ["rockchip,rk3399-gmac", "snps,dwmac-3.70a"],
  iommuGroup: 7,
};
const ROOT: Requester = {
  uid: 0,
  user: "root",
  groups: [{ gid: 0, name: "root" }],
  viaSudo: false,
};
const ALICE: Requester = {
  uid: 1000,
  user: "alice",
  groups: [
    { gid: 1000, name: "alice" },
    { gid: 120, name: "vfio" },
  ],
  viaSudo: true,
};

const policy = (rules: unknown[]) => parsePolicy({ rules }, "policy.json");

describe("globMatches", () => {
  it("matches '*' against any run of characters, none included, and the rest literally", () => {
    expect(globMatches("snps,dwmac-*", "snps,dwmac-3.70a")).toBe(true);
    expect(globMatches("snps,dwmac-*", "snps,dwmac-")).toBe(true);
    expect(globMatches("*", "")).toBe(true);
    expect(globMatches("*,mmio", "virtio,mmio")).toBe(true);
    expect(globMatches("a*b*c", "axxbyyc")).toBe(true);
    expect(globMatches("a*b*c", "axxcyyb")).toBe(false);
    expect(globMatches("a*a", "a")).toBe(false);
    expect(globMatches("virtio,mmio", "virtio,mmio2")).toBe(false);
    // '?' and '[' are not wildcards: compatible strings may hold neither, and a glob says so.
    expect(globMatches("virtio?mmio", "virtio,mmio")).toBe(false);
  });
});

describe("decide", () => {
  it("allows by the first matching rule and names it (1-based)", () => {
    const p = policy([{ name: VIRTIO.name }, { iommuGroup: 0 }, { compatible: "*" }]);
    expect(decide(p, TPM, ROOT)).toEqual({ allowed: true, rule: 2, comment: undefined });
    expect(decide(p, VIRTIO, ROOT)).toEqual({ allowed: true, rule: 1, comment: undefined });
  });

  it("a deny rule before an allow rule refuses, with its comment", () => {
    const p = policy([
      { action: "deny", compatible: "tcg,*", comment: "the TPM stays" },
      { compatible: "*" },
    ]);
    expect(decide(p, TPM, ROOT)).toEqual({ allowed: false, rule: 1, comment: "the TPM stays" });
    expect(decide(p, MAC, ROOT).allowed).toBe(true);
  });

  it("refuses a device no rule matches, naming no rule", () => {
    const p = policy([{ name: VIRTIO.name }]);
    expect(decide(p, TPM, ROOT)).toEqual({ allowed: false, rule: undefined, comment: undefined });
    expect(decide(policy([]), TPM, ROOT).allowed).toBe(false);
  });

  it("matches compatible against any of the device's strings, case-insensitively as the kernel does", () => {
    expect(decide(policy([{ compatible: "snps,dwmac-*" }]), MAC, ROOT).rule).toBe(1);
    expect(decide(policy([{ compatible: "Rockchip,RK3399-GMAC" }]), MAC, ROOT).rule).toBe(1);
    expect(decide(policy([{ compatible: "snps,dwmac" }]), MAC, ROOT).rule).toBeUndefined();
  });

  it("needs every selector a rule gives to match", () => {
    const p = policy([{ compatible: "tcg,*", iommuGroup: 3 }]);
    expect(decide(p, TPM, ROOT).allowed).toBe(false);
    expect(decide(p, { ...TPM, iommuGroup: 3 }, ROOT).allowed).toBe(true);
    expect(
      decide(policy([{ iommuGroup: 0 }]), { ...TPM, iommuGroup: undefined }, ROOT).allowed,
    ).toBe(false);
  });

  it("applies a rule with users or groups only to a requester in either list, by name or id", () => {
    const byUser = policy([{ compatible: "*", users: ["alice"] }]);
    expect(decide(byUser, TPM, ALICE).allowed).toBe(true);
    expect(decide(byUser, TPM, ROOT).allowed).toBe(false);
    expect(decide(policy([{ compatible: "*", users: [1000] }]), TPM, ALICE).allowed).toBe(true);
    expect(decide(policy([{ compatible: "*", groups: ["vfio"] }]), TPM, ALICE).allowed).toBe(true);
    expect(decide(policy([{ compatible: "*", groups: [120] }]), TPM, ALICE).allowed).toBe(true);
    expect(decide(policy([{ compatible: "*", groups: ["vfio"] }]), TPM, ROOT).allowed).toBe(false);
    const either = policy([{ compatible: "*", users: ["bob"], groups: ["vfio"] }]);
    expect(decide(either, TPM, ALICE).allowed).toBe(true);
  });

  it("skips a rule for other users and goes on to the next", () => {
    const p = policy([{ action: "deny", compatible: "*", users: ["alice"] }, { compatible: "*" }]);
    expect(decide(p, TPM, ALICE)).toMatchObject({ allowed: false, rule: 1 });
    expect(decide(p, TPM, ROOT)).toMatchObject({ allowed: true, rule: 2 });
  });
});

describe("admit", () => {
  const loaded = {
    file: "/etc/platpass/policy.json",
    policy: policy([
      { action: "deny", name: TPM.name, comment: "the TPM stays with the host" },
      { compatible: "virtio,*" },
    ]),
  };

  it("lets through what every rule allows", () => {
    expect(() => admit(loaded, [VIRTIO], ROOT)).not.toThrow();
  });

  it("refuses with exit 4, every refused device with its reason, the requester and the file", () => {
    let error: unknown;
    try {
      admit(loaded, [TPM, VIRTIO, MAC], ALICE);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: "POLICY_DEVICE_NOT_ALLOWED",
      exitCode: 4,
      where: "/etc/platpass/policy.json",
    });
    const message = (error as Error).message;
    expect(message).toContain(
      "does not allow alice (uid 1000, through sudo) to assign these devices",
    );
    expect(message).toContain(`${TPM.name}: rule 1 denies it ("the TPM stays with the host")`);
    expect(message).toContain(`${MAC.name}: no rule allows it`);
    expect(message).not.toContain(VIRTIO.name);
  });
});

describe("the README's policy example", () => {
  const example = parsePolicy(JSON.parse(readmeBlock("json", "policy-example")), "README.md");

  it("denies the TPM by its first rule and allows virtio-mmio by its last", () => {
    expect(decide(example, TPM, ROOT)).toMatchObject({ allowed: false, rule: 1 });
    expect(decide(example, VIRTIO, ROOT)).toMatchObject({ allowed: true, rule: 4 });
  });

  it("allows a DesignWare MAC only to members of netdev", () => {
    const netdev = { ...ALICE, groups: [{ gid: 109, name: "netdev" }] };
    expect(decide(example, MAC, netdev)).toMatchObject({ allowed: true, rule: 2 });
    expect(decide(example, MAC, ALICE).allowed).toBe(false);
  });
});
