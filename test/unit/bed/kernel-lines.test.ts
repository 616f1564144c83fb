import { describe, expect, it } from "vitest";
import { l1Init } from "../../../src/bed/l1-init.js";
import {
  builtModules,
  kbuildPackage,
  MODULES_RECIPES,
  SPAN_ITERATOR_FILE,
  spanIteratorSource,
} from "../../../src/bed/modules.js";
import { SOURCE_PATCHES_6_1, SOURCE_PATCHES_6_12 } from "../../../src/bed/patches.js";
import { newestAbiIn } from "../../../src/env/debian.js";
import { isPlatpassError } from "../../../src/errors.js";

// What `apt-cache search --names-only` prints (name - description), both lines mixed in.
const APT_SEARCH = [
  "linux-image-6.1.0-9-arm64 - Linux 6.1 for 64-bit ARMv8 machines (signed)",
  "linux-image-6.1.0-57-arm64 - Linux 6.1 for 64-bit ARMv8 machines (signed)",
  "linux-image-6.1.0-57-arm64-dbg - Debug symbols for linux-image-6.1.0-57-arm64",
  "linux-image-6.12.99+deb12-arm64 - Linux 6.12 for 64-bit ARMv8 machines (signed)",
  "linux-image-6.12.117+deb12-arm64 - Linux 6.12 for 64-bit ARMv8 machines (signed)",
  "linux-image-6.12.117+deb12-arm64-dbg - Debug symbols for linux-image-6.12.117+deb12-arm64",
  "linux-image-6.12.117+deb12-rt-arm64 - Linux 6.12 for 64-bit ARMv8 machines, PREEMPT_RT",
  "",
].join("\n");

describe("newestAbiIn", () => {
  it("takes each line's highest ABI number, not the last or the longest name", () => {
    expect(newestAbiIn("6.1", APT_SEARCH)).toBe("6.1.0-57-arm64");
    expect(newestAbiIn("6.12", APT_SEARCH)).toBe("6.12.117+deb12-arm64");
  });

  it("keeps the lines apart", () => {
    const only61 = APT_SEARCH.split("\n")
      .filter((l) => l.includes("6.1.0"))
      .join("\n");
    expect(newestAbiIn("6.12", only61)).toBeUndefined();
    const only612 = APT_SEARCH.split("\n")
      .filter((l) => l.includes("6.12."))
      .join("\n");
    expect(newestAbiIn("6.1", only612)).toBeUndefined();
  });
});

describe("the 6.1 bed's recipes", () => {
  // These digests name the steps of every 6.1 bed already cached; the 6.12 line must not
  // move them, or each machine rebuilds its 6.1 modules for nothing.
  it("keeps the modules step of the cached 6.1 beds", () => {
    expect(MODULES_RECIPES["6.1"].step).toBe("modules-d9fe0a8943");
  });

  it("loads no iommufd in 6.1's init, and does in 6.12's before vfio", () => {
    expect(l1Init("6.1")).not.toContain("iommufd");
    const init612 = l1Init("6.12");
    expect(init612.indexOf("modprobe iommufd")).toBeGreaterThan(0);
    expect(init612.indexOf("modprobe iommufd")).toBeLessThan(init612.indexOf("modprobe vfio "));
  });

  it("6.12 loads iommufd and type1 with allow_unsafe_interrupts on both GICs, 6.1 on GICv2 only", () => {
    const init612 = l1Init("6.12");
    expect(init612).toContain("modprobe iommufd allow_unsafe_interrupts=1 ");
    expect(init612).toContain("modprobe vfio_iommu_type1 allow_unsafe_interrupts=1 ");
    expect(init612).not.toMatch(/^\s*modprobe vfio_iommu_type1 \|\|/m);
    expect(l1Init("6.1")).toMatch(/^\s*modprobe vfio_iommu_type1 \|\|/m);
  });
});

describe("module recipes", () => {
  for (const recipe of Object.values(MODULES_RECIPES)) {
    it(`${recipe.line}: every module is an obj-m of its directory's Kbuild, once overall`, () => {
      for (const d of recipe.dirs) {
        const objects = [...d.kbuild.matchAll(/^obj-m \+= (.+)$/gm)].flatMap((m) =>
          m[1]!.split(/\s+/),
        );
        expect(objects.map((o) => o.replace(/\.o$/, "")).sort()).toEqual([...d.modules].sort());
      }
      const all = builtModules(recipe);
      expect(new Set(all).size).toBe(all.length);
    });
  }

  it("6.12: iommufd is built before vfio, which links against it", () => {
    const order = MODULES_RECIPES["6.12"].dirs.map((d) => d.dir);
    expect(order.indexOf("drivers/iommu/iommufd")).toBeLessThan(order.indexOf("drivers/vfio"));
  });

  it("6.12: vfio gets device cdevs, iommufd, the group/container path and virqfd", () => {
    const vfio = MODULES_RECIPES["6.12"].dirs.find((d) => d.dir === "drivers/vfio")!.kbuild;
    expect(vfio).toContain("-DCONFIG_VFIO_DEVICE_CDEV=1");
    expect(vfio).toContain("-DCONFIG_IOMMUFD_MODULE=1");
    expect(vfio).toContain("-DCONFIG_VFIO_NOIOMMU=1");
    const objects = /^vfio-y := (.*)$/m.exec(vfio)![1]!.split(/\s+/);
    expect(objects).toEqual(
      expect.arrayContaining([
        "vfio_main.o",
        "group.o",
        "container.o",
        "virqfd.o",
        "device_cdev.o",
        "iommufd.o",
      ]),
    );
    const iommufd = MODULES_RECIPES["6.12"].dirs[0]!.kbuild;
    expect(iommufd).toContain(SPAN_ITERATOR_FILE.replace(/\.c$/, ".o"));
  });

  it("applies on 6.12 only the fix that is not upstream there", () => {
    expect(SOURCE_PATCHES_6_1).toHaveLength(3);
    expect(SOURCE_PATCHES_6_12).toEqual([SOURCE_PATCHES_6_1[2]]);
  });

  it("names Debian's kbuild package per line", () => {
    expect(kbuildPackage("6.1", "6.1.0-57-arm64")).toBe("linux-kbuild-6.1");
    expect(kbuildPackage("6.12", "6.12.117+deb12-arm64")).toBe("linux-kbuild-6.12.117+deb12");
  });
});

describe("spanIteratorSource", () => {
  const intervalTreeC = [
    "#include <linux/interval_tree.h>",
    "INTERVAL_TREE_DEFINE(struct interval_tree_node, rb, unsigned long, __subtree_last, START, LAST,, interval_tree)",
    "EXPORT_SYMBOL_GPL(interval_tree_insert);",
    "",
    "#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER",
    "void interval_tree_span_iter_first(struct interval_tree_span_iter *iter) {}",
    "EXPORT_SYMBOL_GPL(interval_tree_span_iter_first);",
    "#ifdef NESTED",
    "#endif",
    "void interval_tree_span_iter_next(struct interval_tree_span_iter *iter) {}",
    "EXPORT_SYMBOL_GPL(interval_tree_span_iter_next);",
    "#endif",
    "",
  ].join("\n");

  it("keeps the span iterator's code, without the tree itself or any export", () => {
    const out = spanIteratorSource(intervalTreeC, "lib/interval_tree.c");
    expect(out).toContain("void interval_tree_span_iter_first(");
    expect(out).toContain("void interval_tree_span_iter_next(");
    expect(out).toContain("#ifdef NESTED\n#endif");
    expect(out).not.toContain("INTERVAL_TREE_DEFINE");
    expect(out).not.toContain("EXPORT_SYMBOL");
    expect(out).not.toContain("#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER");
  });

  it("refuses a source without the block", () => {
    const without = intervalTreeC.replace("#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER\n", "");
    try {
      spanIteratorSource(without, "lib/interval_tree.c");
      expect.unreachable();
    } catch (e) {
      expect(isPlatpassError(e) && e.code).toBe("BED_PATCH_MISMATCH");
    }
  });
});
