import { describe, expect, it } from "vitest";
import { VfioError } from "../../../src/errors.js";
import { vfioErrorFrom } from "../../../src/vfio/errors.js";

function nativeError(op: string, errno: string): Error {
  return Object.assign(new Error(`${op} failed: x`), { op, errno, errnoNumber: 1 });
}

describe("vfioErrorFrom", () => {
  it("explains EBUSY on a group open as another holder", () => {
    const e = vfioErrorFrom(nativeError("open", "EBUSY"), "c000000.tpm_tis", "/dev/vfio/0");
    expect(e).toBeInstanceOf(VfioError);
    expect(e).toMatchObject({
      code: "VFIO_GROUP_BUSY",
      errno: "EBUSY",
      where: "c000000.tpm_tis, /dev/vfio/0",
      hint: expect.stringContaining("Another process holds /dev/vfio/0"),
    });
  });

  it("explains EPERM on VFIO_SET_IOMMU as missing interrupt remapping", () => {
    const e = vfioErrorFrom(nativeError("VFIO_SET_IOMMU", "EPERM"), "c000000.tpm_tis");
    expect(e).toMatchObject({
      code: "VFIO_NO_INTERRUPT_REMAPPING",
      ioctl: "VFIO_SET_IOMMU",
      errno: "EPERM",
      hint: expect.stringContaining("allow_unsafe_interrupts=1"),
    });
  });

  it("explains EPERM on VFIO_DEVICE_BIND_IOMMUFD as interrupts iommufd cannot isolate", () => {
    const e = vfioErrorFrom(nativeError("VFIO_DEVICE_BIND_IOMMUFD", "EPERM"), "c000000.tpm_tis");
    expect(e).toMatchObject({
      code: "VFIO_NO_INTERRUPT_REMAPPING",
      ioctl: "VFIO_DEVICE_BIND_IOMMUFD",
      errno: "EPERM",
      hint: expect.stringContaining("/sys/module/iommufd/parameters/allow_unsafe_interrupts"),
    });
  });

  it("names the no-IOMMU privilege on a denied noiommu group", () => {
    const e = vfioErrorFrom(
      nativeError("open", "EPERM"),
      "a000200.virtio_mmio",
      "/dev/vfio/noiommu-1",
    );
    expect(e).toMatchObject({
      code: "VFIO_GROUP_PERMISSION",
      hint: expect.stringContaining("CAP_SYS_RAWIO"),
    });
  });

  it("keeps the errno of an unexpected failure and names the ioctl", () => {
    const e = vfioErrorFrom(nativeError("VFIO_DEVICE_GET_INFO", "ENOTTY"), "x");
    expect(e).toMatchObject({
      code: "VFIO_SYSCALL_FAILED",
      ioctl: "VFIO_DEVICE_GET_INFO",
      errno: "ENOTTY",
    });
  });

  it("passes other errors through unchanged", () => {
    const plain = new TypeError("fd must be a number");
    expect(vfioErrorFrom(plain, "x")).toBe(plain);
  });
});
