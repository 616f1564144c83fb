import { describe, expect, it } from "vitest";
import { explainQemuExit, interruptRemappingProblem } from "../../../src/launch/failures.js";

const gicv2 = {
  msiRemap: false,
  allowUnsafeInterrupts: false,
  iommufdAllowUnsafeInterrupts: undefined,
  interruptController: "GICv2",
};
const exit1 = { exitCode: 1, signal: undefined };

describe("interruptRemappingProblem", () => {
  it("stops a launch on a GICv2 host that does not allow unsafe interrupts, explaining the choice", () => {
    const e = interruptRemappingProblem(gicv2);
    expect(e?.code).toBe("HOST_NO_MSI_REMAPPING");
    expect(e?.message).toMatch(/no MSI remapping \(GICv2\)/);
    expect(e?.hint).toMatch(/allow_unsafe_interrupts=1/);
  });

  it("lets a GICv2 host that allows unsafe interrupts launch", () => {
    expect(interruptRemappingProblem({ ...gicv2, allowUnsafeInterrupts: true })).toBeUndefined();
  });

  it("asks iommufd's own parameter on the iommufd path, and names it", () => {
    const typeOneAllows = { ...gicv2, allowUnsafeInterrupts: true };
    const e = interruptRemappingProblem(typeOneAllows, "iommufd");
    expect(e?.where).toBe("/sys/module/iommufd/parameters/allow_unsafe_interrupts");
    expect(e?.hint).toMatch(/modprobe iommufd allow_unsafe_interrupts=1/);
    expect(
      interruptRemappingProblem({ ...gicv2, iommufdAllowUnsafeInterrupts: true }, "iommufd"),
    ).toBeUndefined();
  });

  it("lets a GICv3 host with an ITS launch", () => {
    expect(
      interruptRemappingProblem({
        msiRemap: true,
        allowUnsafeInterrupts: false,
        iommufdAllowUnsafeInterrupts: false,
        interruptController: "GICv3 with ITS",
      }),
    ).toBeUndefined();
  });
});

describe("explainQemuExit", () => {
  it("names the last QEMU release with vfio-platform when the QEMU has none", () => {
    const e = explainQemuExit(
      [
        "qemu-system-aarch64: -device vfio-platform,host=c000000.tpm_tis,id=platpass0: 'vfio-platform' is not a valid device model name",
      ],
      exit1,
      gicv2,
    );
    expect(e.code).toBe("QEMU_NO_VFIO_PLATFORM");
    expect(e.hint).toMatch(/7\.2 to 10\.1\.x/);
  });

  it("explains an iommufd bind refused for want of MSI remapping with iommufd's own parameter", () => {
    const e = explainQemuExit(
      [
        "qemu-system-aarch64: -device vfio-platform,host=c000000.tpm_tis,iommufd=platpass-iommufd,fd=4,id=platpass0: vfio c000000.tpm_tis: error bind device fd=4 to iommufd=3: Operation not permitted",
      ],
      exit1,
      gicv2,
    );
    expect(e.code).toBe("QEMU_IOMMUFD_BIND_FAILED");
    expect(e.hint).toMatch(/\/sys\/module\/iommufd\/parameters\/allow_unsafe_interrupts/);
  });

  it("recognises QEMU's EPERM on the container and explains MSI remapping", () => {
    const e = explainQemuExit(
      [
        "qemu-system-aarch64: -device vfio-platform,host=c000000.tpm_tis: vfio: failed to setup container for group 0: Failed to set iommu for container: Operation not permitted",
      ],
      exit1,
      gicv2,
    );
    expect(e.code).toBe("QEMU_NO_MSI_REMAPPING");
    expect(e.message).toMatch(/allow_unsafe_interrupts is off/);
    expect(e.hint).toMatch(/raise arbitrary host interrupts/);
  });

  it("recognises the missing guest DTB", () => {
    const e = explainQemuExit(
      ["qemu-system-aarch64: Device vfio-platform can not be dynamically instantiated"],
      exit1,
      gicv2,
    );
    expect(e.code).toBe("QEMU_NO_GUEST_DTB");
  });

  it("falls back to QEMU's last lines and how it ended", () => {
    const e = explainQemuExit(
      ["first", "", "last words"],
      { exitCode: undefined, signal: "SIGKILL" },
      gicv2,
    );
    expect(e.code).toBe("QEMU_EXITED");
    expect(e.message).toBe("QEMU was killed by SIGKILL: first | last words");
  });
});
