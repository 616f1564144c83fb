import { describe, expect, it } from "vitest";
import { addonPaths, loadAddonFrom } from "../../../src/vfio/load.js";
import { METHOD_NAMES, shapeProblems } from "../../../src/vfio/native.js";
import { FakeNative } from "./fake-native.js";

const fake = () => new FakeNative({ name: "d", flags: 4, regions: [], irqFlags: [] });

describe("addonPaths", () => {
  it("tries node-gyp's output, then the package's prebuilt addon on x64", () => {
    expect(addonPaths("x64", "/p", undefined)).toEqual([
      "/p/native/build/Release/platpass_vfio.node",
      "/p/prebuilds/linux-x64/platpass_vfio.node",
    ]);
  });

  it("tries the cross-built copy first on arm64, the prebuilt one last", () => {
    expect(addonPaths("arm64", "/p", undefined)).toEqual([
      "/p/native/build-arm64/platpass_vfio.node",
      "/p/native/build/Release/platpass_vfio.node",
      "/p/prebuilds/linux-arm64/platpass_vfio.node",
    ]);
  });

  it("puts $PLATPASS_VFIO_ADDON before the known places", () => {
    expect(addonPaths("x64", "/p", "/elsewhere/a.node")[0]).toBe("/elsewhere/a.node");
  });
});

describe("loadAddonFrom", () => {
  it("reports every path tried and why it did not do", () => {
    const r = loadAddonFrom(
      ["/a", "/b", "/c", "/d"],
      (p) => {
        if (p === "/b") throw new Error("wrong ELF class: ELFCLASS64\nmore");
        if (p === "/c") return { abi: 1 };
        return fake();
      },
      (p) => p !== "/a",
    );
    expect(r.path).toBe("/d");
    expect(r.attempts.map((a) => [a.path, a.result])).toEqual([
      ["/a", "missing"],
      ["/b", "failed"],
      ["/c", "wrong shape"],
      ["/d", "loaded"],
    ]);
    expect(r.attempts[1]?.detail).toBe("wrong ELF class: ELFCLASS64");
  });

  it("returns no addon when nothing loads", () => {
    const r = loadAddonFrom(
      ["/a"],
      () => ({}),
      () => false,
    );
    expect(r.native).toBeUndefined();
    expect(r.attempts).toEqual([{ path: "/a", result: "missing", detail: "no such file" }]);
  });
});

describe("shapeProblems", () => {
  it("accepts an object with every method and the expected abi", () => {
    expect(shapeProblems(fake())).toEqual([]);
  });

  it("names the wrong abi and every missing function", () => {
    const problems = shapeProblems({ abi: 2, kernelHeaders: "x", openPath: () => 0 });
    expect(problems[0]).toBe("abi is 2, expected 1");
    expect(problems[1]).toContain("closeFd");
    expect(problems[1]).not.toContain("openPath");
  });

  it("lists as many methods as the interface has", () => {
    expect(METHOD_NAMES.length).toBe(34);
  });
});
