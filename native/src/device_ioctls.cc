// Device information ioctls. They return the kernel's info structure as raw bytes (with its
// capability chain, when the kernel asks for a bigger buffer): decoding is pure TypeScript
// in src/vfio/decode.ts, unit-tested there, and the same here for every kernel version.
#include <cstring>
#include <vector>

#include "addon.h"
#include "sys_error.h"
#include "uapi.h"

namespace platpass {

namespace {

// Calls an INFO ioctl whose struct starts with `u32 argsz`; when the kernel reports a larger
// argsz (a capability chain follows), calls again with a buffer that large.
Napi::Value InfoBytes(Napi::Env env, int fd, unsigned long request, const char* name,
                      std::vector<uint8_t> fixed) {
  std::vector<uint8_t> buffer = std::move(fixed);
  for (int attempt = 0; attempt < 2; attempt++) {
    uint32_t wanted = static_cast<uint32_t>(buffer.size());
    std::memcpy(buffer.data(), &wanted, sizeof(wanted));
    CheckedIoctl(env, fd, request, buffer.data(), name);
    uint32_t argsz;
    std::memcpy(&argsz, buffer.data(), sizeof(argsz));
    if (argsz <= wanted) break;
    std::vector<uint8_t> bigger(argsz, 0);
    std::memcpy(bigger.data(), buffer.data(), buffer.size());
    buffer = std::move(bigger);
  }
  return Napi::Buffer<uint8_t>::Copy(env, buffer.data(), buffer.size());
}

template <typename T>
std::vector<uint8_t> Fixed(const T& value) {
  std::vector<uint8_t> bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

}  // namespace

Napi::Value VfioAddon::DeviceInfo(const Napi::CallbackInfo& info) {
  int device = OwnedFdArg(info, 0);
  uapi::vfio_device_info di = {};
  return InfoBytes(info.Env(), device, uapi::VFIO_DEVICE_GET_INFO, "VFIO_DEVICE_GET_INFO",
                   Fixed(di));
}

Napi::Value VfioAddon::RegionInfo(const Napi::CallbackInfo& info) {
  int device = OwnedFdArg(info, 0);
  uapi::vfio_region_info ri = {};
  ri.index = U32Arg(info, 1, "index");
  return InfoBytes(info.Env(), device, uapi::VFIO_DEVICE_GET_REGION_INFO,
                   "VFIO_DEVICE_GET_REGION_INFO", Fixed(ri));
}

Napi::Value VfioAddon::IrqInfo(const Napi::CallbackInfo& info) {
  int device = OwnedFdArg(info, 0);
  uapi::vfio_irq_info ii = {};
  ii.index = U32Arg(info, 1, "index");
  return InfoBytes(info.Env(), device, uapi::VFIO_DEVICE_GET_IRQ_INFO, "VFIO_DEVICE_GET_IRQ_INFO",
                   Fixed(ii));
}

Napi::Value VfioAddon::Reset(const Napi::CallbackInfo& info) {
  int device = OwnedFdArg(info, 0);
  CheckedIoctl(info.Env(), device, uapi::VFIO_DEVICE_RESET, 0ul, "VFIO_DEVICE_RESET");
  return info.Env().Undefined();
}

}  // namespace platpass
