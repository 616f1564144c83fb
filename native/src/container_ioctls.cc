// The legacy path (container /dev/vfio/vfio + group /dev/vfio/N) and the iommufd path
// (/dev/iommu + device cdev /dev/vfio/devices/vfioX). Policy (which IOMMU type, what to
// tell the user on failure) sits in src/vfio; here is only the ioctl plumbing.
#include <cerrno>

#include "addon.h"
#include "sys_error.h"
#include "uapi.h"

namespace platpass {

Napi::Value VfioAddon::ApiVersion(const Napi::CallbackInfo& info) {
  int container = OwnedFdArg(info, 0);
  int v = CheckedIoctl(info.Env(), container, uapi::VFIO_GET_API_VERSION, 0ul,
                       "VFIO_GET_API_VERSION");
  return Napi::Number::New(info.Env(), v);
}

Napi::Value VfioAddon::CheckExtension(const Napi::CallbackInfo& info) {
  int container = OwnedFdArg(info, 0);
  uint32_t extension = U32Arg(info, 1, "extension");
  int v = CheckedIoctl(info.Env(), container, uapi::VFIO_CHECK_EXTENSION,
                       static_cast<unsigned long>(extension), "VFIO_CHECK_EXTENSION");
  return Napi::Number::New(info.Env(), v);
}

Napi::Value VfioAddon::SetIommu(const Napi::CallbackInfo& info) {
  int container = OwnedFdArg(info, 0);
  uint32_t type = U32Arg(info, 1, "iommuType");
  CheckedIoctl(info.Env(), container, uapi::VFIO_SET_IOMMU, static_cast<unsigned long>(type),
               "VFIO_SET_IOMMU");
  return info.Env().Undefined();
}

Napi::Value VfioAddon::GroupStatus(const Napi::CallbackInfo& info) {
  int group = OwnedFdArg(info, 0);
  uapi::vfio_group_status status = {sizeof(status), 0};
  CheckedIoctl(info.Env(), group, uapi::VFIO_GROUP_GET_STATUS, &status, "VFIO_GROUP_GET_STATUS");
  return Napi::Number::New(info.Env(), status.flags);
}

Napi::Value VfioAddon::GroupSetContainer(const Napi::CallbackInfo& info) {
  int group = OwnedFdArg(info, 0);
  int32_t container = OwnedFdArg(info, 1);
  CheckedIoctl(info.Env(), group, uapi::VFIO_GROUP_SET_CONTAINER, &container,
               "VFIO_GROUP_SET_CONTAINER");
  return info.Env().Undefined();
}

Napi::Value VfioAddon::GroupUnsetContainer(const Napi::CallbackInfo& info) {
  int group = OwnedFdArg(info, 0);
  CheckedIoctl(info.Env(), group, uapi::VFIO_GROUP_UNSET_CONTAINER, 0ul,
               "VFIO_GROUP_UNSET_CONTAINER");
  return info.Env().Undefined();
}

Napi::Value VfioAddon::GroupDeviceFd(const Napi::CallbackInfo& info) {
  int group = OwnedFdArg(info, 0);
  std::string name = StringArg(info, 1, "device");
  int fd = CheckedIoctl(info.Env(), group, uapi::VFIO_GROUP_GET_DEVICE_FD,
                        const_cast<char*>(name.c_str()), "VFIO_GROUP_GET_DEVICE_FD");
  fds_.Adopt(fd);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value VfioAddon::BindIommufd(const Napi::CallbackInfo& info) {
  int device = OwnedFdArg(info, 0);
  int iommufd = OwnedFdArg(info, 1);
  uapi::vfio_device_bind_iommufd bind = {sizeof(bind), 0, iommufd, 0};
  CheckedIoctl(info.Env(), device, uapi::VFIO_DEVICE_BIND_IOMMUFD, &bind,
               "VFIO_DEVICE_BIND_IOMMUFD");
  return Napi::Number::New(info.Env(), bind.out_devid);
}

Napi::Value VfioAddon::IoasAlloc(const Napi::CallbackInfo& info) {
  int iommufd = OwnedFdArg(info, 0);
  uapi::iommu_ioas_alloc alloc = {sizeof(alloc), 0, 0};
  CheckedIoctl(info.Env(), iommufd, uapi::IOMMU_IOAS_ALLOC, &alloc, "IOMMU_IOAS_ALLOC");
  return Napi::Number::New(info.Env(), alloc.out_ioas_id);
}

Napi::Value VfioAddon::AttachIommufdPt(const Napi::CallbackInfo& info) {
  int device = OwnedFdArg(info, 0);
  uint32_t pt = U32Arg(info, 1, "ptId");
  uapi::vfio_device_attach_iommufd_pt attach = {sizeof(attach), 0, pt};
  CheckedIoctl(info.Env(), device, uapi::VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach,
               "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
  return info.Env().Undefined();
}

}  // namespace platpass
