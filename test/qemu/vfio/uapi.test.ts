/** native/src/uapi.h against the system's kernel headers, checked by the C++ compiler. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IOCTL } from "../../../src/vfio/uapi.js";

describe("VFIO uapi numbers", () => {
  // Debian 12's linux-libc-dev is Linux 6.1, the version native/src/uapi.h is taken from.
  it("match the system's <linux/vfio.h> in the addon's C++ header, values and layouts", () => {
    const header = new URL("../../../native/src/uapi.h", import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), "platpass-uapi-"));
    const probe = join(dir, "probe.cc");
    const names = [
      ...Object.keys(IOCTL).filter((n) => n.startsWith("VFIO_") && !n.includes("IOMMUFD")),
      "VFIO_API_VERSION",
      "VFIO_IRQ_SET_DATA_NONE",
      "VFIO_IRQ_SET_DATA_BOOL",
      "VFIO_IRQ_SET_DATA_EVENTFD",
    ];
    const structs = [
      "vfio_group_status",
      "vfio_device_info",
      "vfio_region_info",
      "vfio_irq_info",
      "vfio_irq_set",
    ];
    writeFileSync(
      probe,
      [
        "#include <linux/vfio.h>",
        // The kernel's names are macros: keep their values, then free the names for ours.
        ...names.map((n) => `constexpr unsigned long kernel_${n} = ${n};\n#undef ${n}`),
        `#include "${header}"`,
        ...names.map((n) => `static_assert(platpass::uapi::${n} == kernel_${n}, "${n}");`),
        ...structs.map(
          (t) => `static_assert(sizeof(platpass::uapi::${t}) == sizeof(struct ${t}), "${t}");`,
        ),
        "",
      ].join("\n"),
    );
    // Compiles only if every static_assert holds; the compiler's message names the mismatch.
    expect(() =>
      execFileSync("g++", ["-std=gnu++17", "-fsyntax-only", probe], { stdio: "pipe" }),
    ).not.toThrow();
  });
});
