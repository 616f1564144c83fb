// The kernel's VFIO and iommufd user API, as this addon uses it.
//
// Source: Linux 6.1 include/uapi/linux/vfio.h (container, group, device, IRQ ioctls) and
// Linux 6.6 include/uapi/linux/vfio.h + iommufd.h (device cdev bound to iommufd). Kept in
// our own namespace instead of including <linux/vfio.h> so the addon builds against any
// libc headers; test/unit/vfio/uapi.test.ts checks every value and layout against the
// system's <linux/vfio.h> and src/vfio/uapi.ts repeats the numbers for TypeScript.
#pragma once

#include <cstdint>

namespace platpass::uapi {

constexpr const char* kKernelHeaders = "Linux 6.1 vfio.h; Linux 6.6 vfio.h/iommufd.h for cdev+iommufd";

// _IO(type, nr) from include/uapi/asm-generic/ioctl.h: no direction, no size.
constexpr unsigned long Io(unsigned type, unsigned nr) { return (type << 8) | nr; }

constexpr unsigned kVfioType = ';';
constexpr unsigned kVfioBase = 100;
constexpr unsigned kIommufdType = ';';
constexpr unsigned kIommufdCmdBase = 0x80;

constexpr unsigned long VFIO_GET_API_VERSION = Io(kVfioType, kVfioBase + 0);
constexpr unsigned long VFIO_CHECK_EXTENSION = Io(kVfioType, kVfioBase + 1);
constexpr unsigned long VFIO_SET_IOMMU = Io(kVfioType, kVfioBase + 2);
constexpr unsigned long VFIO_GROUP_GET_STATUS = Io(kVfioType, kVfioBase + 3);
constexpr unsigned long VFIO_GROUP_SET_CONTAINER = Io(kVfioType, kVfioBase + 4);
constexpr unsigned long VFIO_GROUP_UNSET_CONTAINER = Io(kVfioType, kVfioBase + 5);
constexpr unsigned long VFIO_GROUP_GET_DEVICE_FD = Io(kVfioType, kVfioBase + 6);
constexpr unsigned long VFIO_DEVICE_GET_INFO = Io(kVfioType, kVfioBase + 7);
constexpr unsigned long VFIO_DEVICE_GET_REGION_INFO = Io(kVfioType, kVfioBase + 8);
constexpr unsigned long VFIO_DEVICE_GET_IRQ_INFO = Io(kVfioType, kVfioBase + 9);
constexpr unsigned long VFIO_DEVICE_SET_IRQS = Io(kVfioType, kVfioBase + 10);
constexpr unsigned long VFIO_DEVICE_RESET = Io(kVfioType, kVfioBase + 11);
constexpr unsigned long VFIO_DEVICE_BIND_IOMMUFD = Io(kVfioType, kVfioBase + 18);
constexpr unsigned long VFIO_DEVICE_ATTACH_IOMMUFD_PT = Io(kVfioType, kVfioBase + 19);
constexpr unsigned long IOMMU_IOAS_ALLOC = Io(kIommufdType, kIommufdCmdBase + 1);

constexpr int VFIO_API_VERSION = 0;

struct vfio_group_status {
  uint32_t argsz;
  uint32_t flags;
};

struct vfio_device_info {
  uint32_t argsz;
  uint32_t flags;
  uint32_t num_regions;
  uint32_t num_irqs;
  uint32_t cap_offset;
};

struct vfio_region_info {
  uint32_t argsz;
  uint32_t flags;
  uint32_t index;
  uint32_t cap_offset;
  uint64_t size;
  uint64_t offset;
};

struct vfio_irq_info {
  uint32_t argsz;
  uint32_t flags;
  uint32_t index;
  uint32_t count;
};

struct vfio_irq_set {
  uint32_t argsz;
  uint32_t flags;
  uint32_t index;
  uint32_t start;
  uint32_t count;
  // followed by count u8 (DATA_BOOL) or count s32 (DATA_EVENTFD)
};

constexpr uint32_t VFIO_IRQ_SET_DATA_NONE = 1u << 0;
constexpr uint32_t VFIO_IRQ_SET_DATA_BOOL = 1u << 1;
constexpr uint32_t VFIO_IRQ_SET_DATA_EVENTFD = 1u << 2;

struct vfio_device_bind_iommufd {
  uint32_t argsz;
  uint32_t flags;
  int32_t iommufd;
  uint32_t out_devid;
};

struct vfio_device_attach_iommufd_pt {
  uint32_t argsz;
  uint32_t flags;
  uint32_t pt_id;
};

struct iommu_ioas_alloc {
  uint32_t size;
  uint32_t flags;
  uint32_t out_ioas_id;
};

}  // namespace platpass::uapi
