import { describe, expect, it } from "vitest";
import { vfioNative } from "../../../src/vfio/load.js";
import { IOCTL } from "../../../src/vfio/uapi.js";

// include/uapi/asm-generic/ioctl.h: _IO(type, nr) = (0 << 30) | (type << 8) | nr (no size).
function _IO(type: string, nr: number): number {
  return (type.charCodeAt(0) << 8) | nr;
}

const VFIO_BASE = 100;
const IOMMUFD_CMD_BASE = 0x80;

describe("VFIO uapi numbers", () => {
  it("are _IO(';', VFIO_BASE + n) as the kernel defines them", () => {
    expect(IOCTL).toEqual({
      VFIO_GET_API_VERSION: _IO(";", VFIO_BASE + 0),
      VFIO_CHECK_EXTENSION: _IO(";", VFIO_BASE + 1),
      VFIO_SET_IOMMU: _IO(";", VFIO_BASE + 2),
      VFIO_GROUP_GET_STATUS: _IO(";", VFIO_BASE + 3),
      VFIO_GROUP_SET_CONTAINER: _IO(";", VFIO_BASE + 4),
      VFIO_GROUP_UNSET_CONTAINER: _IO(";", VFIO_BASE + 5),
      VFIO_GROUP_GET_DEVICE_FD: _IO(";", VFIO_BASE + 6),
      VFIO_DEVICE_GET_INFO: _IO(";", VFIO_BASE + 7),
      VFIO_DEVICE_GET_REGION_INFO: _IO(";", VFIO_BASE + 8),
      VFIO_DEVICE_GET_IRQ_INFO: _IO(";", VFIO_BASE + 9),
      VFIO_DEVICE_SET_IRQS: _IO(";", VFIO_BASE + 10),
      VFIO_DEVICE_RESET: _IO(";", VFIO_BASE + 11),
      VFIO_DEVICE_BIND_IOMMUFD: _IO(";", VFIO_BASE + 18),
      VFIO_DEVICE_ATTACH_IOMMUFD_PT: _IO(";", VFIO_BASE + 19),
      IOMMU_IOAS_ALLOC: _IO(";", IOMMUFD_CMD_BASE + 1),
    });
  });

  it("are the numbers the built addon was compiled with", () => {
    expect(vfioNative().ioctlNumbers()).toEqual(IOCTL);
  });
});
