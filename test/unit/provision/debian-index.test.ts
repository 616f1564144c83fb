import { describe, expect, it } from "vitest";
import { acceptedEntries } from "../../../src/env/backports-qemu.js";
import { packageEntries, parseStanzas, releaseEntry } from "../../../src/env/debian-index.js";

// The shape of bookworm-backports' Release (trimmed) and Packages index: deb822 stanzas,
// continuation lines indented by one space.
const release = `Origin: Debian Backports
Codename: bookworm-backports
SHA256:
 15ea2d47fcdc8af66d12436432ce2520aec9076fa2e1b31026aa22c31a0e6769    63339 main/binary-amd64/Packages.diff/Index
 b74b5bbca6f4701df6c5db54793a68449fb267ac10a9314e761b972ac63b3760   300424 main/binary-amd64/Packages.xz
`;

function stanza(pkg: string, version: string, arch: string, sha: string): string {
  return `Package: ${pkg}
Version: ${version}
Architecture: ${arch}
Description: QEMU full system emulation binaries (arm)
 a continuation line
Filename: pool/main/q/qemu/${pkg}_${version.replace(/^\d+:/, "")}_${arch}.deb
Size: 9788540
SHA256: ${sha.repeat(64)}
`;
}

const packages = [
  stanza("qemu-system-common", "1:10.0.2+ds-2+deb13u1~bpo12+1", "amd64", "a"),
  stanza("qemu-system-arm", "1:10.0.2+ds-2+deb13u1~bpo12+1", "amd64", "b"),
  stanza("qemu-system-arm", "1:10.0.2+ds-2+deb13u1~bpo12+1", "arm64", "c"),
  stanza("qemu-system-arm", "1:10.2.0+ds-1~bpo12+1", "amd64", "d"),
  stanza("qemu-system-arm", "1:10.10.0+ds-1~bpo12+1", "amd64", "e"),
].join("\n");

describe("parseStanzas", () => {
  it("splits on blank lines and keeps continuation lines with their field", () => {
    const [first] = parseStanzas(packages);
    expect(parseStanzas(packages)).toHaveLength(5);
    expect(first?.Description).toBe(
      "QEMU full system emulation binaries (arm)\na continuation line",
    );
  });
});

describe("releaseEntry", () => {
  it("returns the SHA256 and size the Release file lists for one path", () => {
    const [r] = parseStanzas(release);
    expect(releaseEntry(r!, "main/binary-amd64/Packages.xz")).toEqual({
      sha256: "b74b5bbca6f4701df6c5db54793a68449fb267ac10a9314e761b972ac63b3760",
      size: 300424,
    });
  });

  it("returns undefined for a path the Release file does not list", () => {
    const [r] = parseStanzas(release);
    expect(releaseEntry(r!, "main/binary-riscv64/Packages.xz")).toBeUndefined();
  });
});

describe("packageEntries and acceptedEntries", () => {
  it("reads one package's entries with the .deb's path, size and digest", () => {
    const entries = packageEntries(parseStanzas(packages), "qemu-system-arm");
    expect(entries).toHaveLength(4);
    expect(entries[0]).toEqual({
      package: "qemu-system-arm",
      version: "1:10.0.2+ds-2+deb13u1~bpo12+1",
      architecture: "amd64",
      filename: "pool/main/q/qemu/qemu-system-arm_10.0.2+ds-2+deb13u1~bpo12+1_amd64.deb",
      size: 9788540,
      sha256: "b".repeat(64),
    });
  });

  it("accepts this architecture's 10.0/10.1 builds and refuses 10.2 and later", () => {
    const entries = packageEntries(parseStanzas(packages), "qemu-system-arm");
    expect(acceptedEntries(entries, "amd64").map((e) => e.version)).toEqual([
      "1:10.0.2+ds-2+deb13u1~bpo12+1",
    ]);
    expect(acceptedEntries(entries, "arm64").map((e) => e.sha256)).toEqual(["c".repeat(64)]);
    expect(acceptedEntries(entries, "riscv64")).toEqual([]);
  });
});
