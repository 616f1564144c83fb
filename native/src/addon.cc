// Module entry: the method table, fd ownership and argument readers. The ioctls live in the
// files named after what they touch (container, device, region, IRQ).
#include "addon.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cmath>

#include "irq_watch.h"
#include "sys_error.h"
#include "uapi.h"

namespace platpass {

VfioAddon::VfioAddon(Napi::Env env, Napi::Object exports) {
  DefineAddon(
      exports,
      {
          InstanceValue("abi", Napi::Number::New(env, 1), napi_enumerable),
          InstanceValue("kernelHeaders", Napi::String::New(env, uapi::kKernelHeaders),
                        napi_enumerable),
          InstanceMethod("ioctlNumbers", &VfioAddon::IoctlNumbers, napi_enumerable),
          InstanceMethod("openPath", &VfioAddon::OpenPath, napi_enumerable),
          InstanceMethod("closeFd", &VfioAddon::CloseFd, napi_enumerable),
          InstanceMethod("ownedFds", &VfioAddon::OwnedFds, napi_enumerable),
          InstanceMethod("setInheritable", &VfioAddon::SetInheritable, napi_enumerable),
          InstanceMethod("apiVersion", &VfioAddon::ApiVersion, napi_enumerable),
          InstanceMethod("checkExtension", &VfioAddon::CheckExtension, napi_enumerable),
          InstanceMethod("setIommu", &VfioAddon::SetIommu, napi_enumerable),
          InstanceMethod("groupStatus", &VfioAddon::GroupStatus, napi_enumerable),
          InstanceMethod("groupSetContainer", &VfioAddon::GroupSetContainer, napi_enumerable),
          InstanceMethod("groupUnsetContainer", &VfioAddon::GroupUnsetContainer,
                         napi_enumerable),
          InstanceMethod("groupDeviceFd", &VfioAddon::GroupDeviceFd, napi_enumerable),
          InstanceMethod("bindIommufd", &VfioAddon::BindIommufd, napi_enumerable),
          InstanceMethod("ioasAlloc", &VfioAddon::IoasAlloc, napi_enumerable),
          InstanceMethod("attachIommufdPt", &VfioAddon::AttachIommufdPt, napi_enumerable),
          InstanceMethod("deviceInfo", &VfioAddon::DeviceInfo, napi_enumerable),
          InstanceMethod("regionInfo", &VfioAddon::RegionInfo, napi_enumerable),
          InstanceMethod("irqInfo", &VfioAddon::IrqInfo, napi_enumerable),
          InstanceMethod("reset", &VfioAddon::Reset, napi_enumerable),
          InstanceMethod("read", &VfioAddon::Read, napi_enumerable),
          InstanceMethod("read64", &VfioAddon::Read64, napi_enumerable),
          InstanceMethod("write", &VfioAddon::Write, napi_enumerable),
          InstanceMethod("write64", &VfioAddon::Write64, napi_enumerable),
          InstanceMethod("map", &VfioAddon::Map, napi_enumerable),
          InstanceMethod("unmap", &VfioAddon::Unmap, napi_enumerable),
          InstanceMethod("mapRead", &VfioAddon::MapRead, napi_enumerable),
          InstanceMethod("mapRead64", &VfioAddon::MapRead64, napi_enumerable),
          InstanceMethod("mapWrite", &VfioAddon::MapWrite, napi_enumerable),
          InstanceMethod("mapWrite64", &VfioAddon::MapWrite64, napi_enumerable),
          InstanceMethod("eventfd", &VfioAddon::Eventfd, napi_enumerable),
          InstanceMethod("eventfdSignal", &VfioAddon::EventfdSignal, napi_enumerable),
          InstanceMethod("setIrqs", &VfioAddon::SetIrqs, napi_enumerable),
          InstanceMethod("watch", &VfioAddon::Watch, napi_enumerable),
          InstanceMethod("unwatch", &VfioAddon::Unwatch, napi_enumerable),
          InstanceMethod("readTree", &VfioAddon::ReadTree, napi_enumerable),
      });
}

// Environment teardown: watches first (they reference fds), then mappings; FdTable's own
// destructor closes whatever fds are left.
VfioAddon::~VfioAddon() {
  while (!watches_.empty()) StopWatch(watches_.begin()->first);
  for (auto& [id, m] : maps_) munmap(const_cast<uint8_t*>(m.base), m.size);
  maps_.clear();
}

Napi::Value VfioAddon::IoctlNumbers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  auto put = [&](const char* name, unsigned long value) {
    o.Set(name, Napi::Number::New(env, static_cast<double>(value)));
  };
  put("VFIO_GET_API_VERSION", uapi::VFIO_GET_API_VERSION);
  put("VFIO_CHECK_EXTENSION", uapi::VFIO_CHECK_EXTENSION);
  put("VFIO_SET_IOMMU", uapi::VFIO_SET_IOMMU);
  put("VFIO_GROUP_GET_STATUS", uapi::VFIO_GROUP_GET_STATUS);
  put("VFIO_GROUP_SET_CONTAINER", uapi::VFIO_GROUP_SET_CONTAINER);
  put("VFIO_GROUP_UNSET_CONTAINER", uapi::VFIO_GROUP_UNSET_CONTAINER);
  put("VFIO_GROUP_GET_DEVICE_FD", uapi::VFIO_GROUP_GET_DEVICE_FD);
  put("VFIO_DEVICE_GET_INFO", uapi::VFIO_DEVICE_GET_INFO);
  put("VFIO_DEVICE_GET_REGION_INFO", uapi::VFIO_DEVICE_GET_REGION_INFO);
  put("VFIO_DEVICE_GET_IRQ_INFO", uapi::VFIO_DEVICE_GET_IRQ_INFO);
  put("VFIO_DEVICE_SET_IRQS", uapi::VFIO_DEVICE_SET_IRQS);
  put("VFIO_DEVICE_RESET", uapi::VFIO_DEVICE_RESET);
  put("VFIO_DEVICE_BIND_IOMMUFD", uapi::VFIO_DEVICE_BIND_IOMMUFD);
  put("VFIO_DEVICE_ATTACH_IOMMUFD_PT", uapi::VFIO_DEVICE_ATTACH_IOMMUFD_PT);
  put("IOMMU_IOAS_ALLOC", uapi::IOMMU_IOAS_ALLOC);
  return o;
}

// Opened close-on-exec: a child gets an fd only when it is handed over on purpose (spawn's
// stdio array, or setInheritable for a fixed number), so an unrelated child can never keep
// a group busy.
Napi::Value VfioAddon::OpenPath(const Napi::CallbackInfo& info) {
  std::string path = StringArg(info, 0, "path");
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) ThrowSys(info.Env(), "open", errno, path);
  fds_.Adopt(fd);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value VfioAddon::CloseFd(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  StopWatch(fd);
  UnmapAll(fd);
  fds_.Close(fd);
  return info.Env().Undefined();
}

Napi::Value VfioAddon::OwnedFds(const Napi::CallbackInfo& info) {
  std::vector<int> list = fds_.List();
  Napi::Array a = Napi::Array::New(info.Env(), list.size());
  for (size_t i = 0; i < list.size(); i++) a.Set(i, Napi::Number::New(info.Env(), list[i]));
  return a;
}

Napi::Value VfioAddon::SetInheritable(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  if (info.Length() < 2 || !info[1].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), "inheritable must be a boolean");
  }
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) ThrowSys(info.Env(), "fcntl(F_GETFD)", errno, "fd " + std::to_string(fd));
  flags = info[1].As<Napi::Boolean>().Value() ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC);
  if (fcntl(fd, F_SETFD, flags) < 0) {
    ThrowSys(info.Env(), "fcntl(F_SETFD)", errno, "fd " + std::to_string(fd));
  }
  return info.Env().Undefined();
}

int VfioAddon::OwnedFdArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t fd = U32Arg(info, i, "fd");
  if (!fds_.Owns(static_cast<int>(fd))) {
    throw Napi::Error::New(info.Env(), "fd " + std::to_string(fd) +
                                           " is not open in this addon (closed already, or "
                                           "never opened by it)");
  }
  return static_cast<int>(fd);
}

uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  uint64_t v = SafeIntegerArg(info, i, name);
  if (v > 0xffffffffu) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must fit in 32 bits");
  }
  return static_cast<uint32_t>(v);
}

uint64_t SafeIntegerArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > 9007199254740991.0 || std::floor(v) != v) {
    throw Napi::RangeError::New(info.Env(),
                                std::string(name) + " must be a non-negative safe integer");
  }
  return static_cast<uint64_t>(v);
}

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  }
  return info[i].As<Napi::String>().Utf8Value();
}

}  // namespace platpass

using platpass::VfioAddon;
NODE_API_ADDON(VfioAddon)
