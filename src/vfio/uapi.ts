/**
 * The VFIO and iommufd uapi numbers platpass uses, from the kernel headers named in
 * KERNEL_HEADERS. The addon's C++ copy is native/src/uapi.h; test/unit/vfio/uapi.test.ts
 * recomputes every ioctl number the way the kernel's _IO() does and checks the C++ copy
 * against the system's <linux/vfio.h>.
 */

export const KERNEL_HEADERS = "Linux 6.1 vfio.h; Linux 6.6 vfio.h/iommufd.h for cdev+iommufd";

/** `_IO(';', 100 + n)` for VFIO, `_IO(';', 0x80 + n)` for iommufd: no direction, no size. */
export const IOCTL = {
  VFIO_GET_API_VERSION: 0x3b64,
  VFIO_CHECK_EXTENSION: 0x3b65,
  VFIO_SET_IOMMU: 0x3b66,
  VFIO_GROUP_GET_STATUS: 0x3b67,
  VFIO_GROUP_SET_CONTAINER: 0x3b68,
  VFIO_GROUP_UNSET_CONTAINER: 0x3b69,
  VFIO_GROUP_GET_DEVICE_FD: 0x3b6a,
  VFIO_DEVICE_GET_INFO: 0x3b6b,
  VFIO_DEVICE_GET_REGION_INFO: 0x3b6c,
  VFIO_DEVICE_GET_IRQ_INFO: 0x3b6d,
  VFIO_DEVICE_SET_IRQS: 0x3b6e,
  VFIO_DEVICE_RESET: 0x3b6f,
  VFIO_DEVICE_BIND_IOMMUFD: 0x3b76,
  VFIO_DEVICE_ATTACH_IOMMUFD_PT: 0x3b77,
  IOMMU_IOAS_ALLOC: 0x3b81,
} as const;

export type IoctlName = keyof typeof IOCTL;

export const VFIO_API_VERSION = 0;

/** VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments. */
export const IOMMU_TYPE = { TYPE1: 1, TYPE1v2: 3, NOIOMMU: 8 } as const;

export const GROUP_FLAGS = { VIABLE: 1 << 0, CONTAINER_SET: 1 << 1 } as const;

export const DEVICE_FLAGS = {
  RESET: 1 << 0,
  PCI: 1 << 1,
  PLATFORM: 1 << 2,
  AMBA: 1 << 3,
  CAPS: 1 << 7,
} as const;

export const REGION_FLAGS = { READ: 1 << 0, WRITE: 1 << 1, MMAP: 1 << 2, CAPS: 1 << 3 } as const;

/** Region capability ids (vfio_info_cap_header.id for GET_REGION_INFO). */
export const REGION_CAP = { SPARSE_MMAP: 1, TYPE: 2, MSIX_MAPPABLE: 3 } as const;

export const IRQ_FLAGS = {
  EVENTFD: 1 << 0,
  MASKABLE: 1 << 1,
  AUTOMASKED: 1 << 2,
  NORESIZE: 1 << 3,
} as const;

export const IRQ_SET = {
  DATA_NONE: 1 << 0,
  DATA_BOOL: 1 << 1,
  DATA_EVENTFD: 1 << 2,
  ACTION_MASK: 1 << 3,
  ACTION_UNMASK: 1 << 4,
  ACTION_TRIGGER: 1 << 5,
} as const;

/** Fixed part of each INFO structure, in bytes (Linux 6.1 layouts). */
export const INFO_SIZE = { device: 20, region: 32, irq: 16, capHeader: 8 } as const;
