// Eventfds and VFIO_DEVICE_SET_IRQS. The caller picks action and data type (trigger, mask,
// unmask; none, bool, eventfd); src/vfio/irq.ts gives those combinations names.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "addon.h"
#include "sys_error.h"
#include "uapi.h"

namespace platpass {

Napi::Value VfioAddon::Eventfd(const Napi::CallbackInfo& info) {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) ThrowSys(info.Env(), "eventfd", errno, "");
  fds_.Adopt(fd);
  return Napi::Number::New(info.Env(), fd);
}

// Adds `value` to an eventfd's counter: what KVM does to a resample fd on guest EOI.
Napi::Value VfioAddon::EventfdSignal(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  uint64_t value = SafeIntegerArg(info, 1, "value");
  ssize_t r;
  do {
    r = write(fd, &value, sizeof(value));
  } while (r < 0 && errno == EINTR);
  if (r < 0) ThrowSys(info.Env(), "write(eventfd)", errno, "fd " + std::to_string(fd));
  return info.Env().Undefined();
}

Napi::Value VfioAddon::SetIrqs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = OwnedFdArg(info, 0);
  uapi::vfio_irq_set header = {};
  header.index = U32Arg(info, 1, "index");
  header.flags = U32Arg(info, 2, "flags");
  header.start = U32Arg(info, 3, "start");
  header.count = U32Arg(info, 4, "count");

  std::vector<uint8_t> data;
  if (header.flags & uapi::VFIO_IRQ_SET_DATA_EVENTFD) {
    if (info.Length() < 6 || !info[5].IsTypedArray() ||
        info[5].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throw Napi::TypeError::New(env, "DATA_EVENTFD needs an Int32Array of eventfds");
    }
    Napi::Int32Array fds = info[5].As<Napi::Int32Array>();
    if (fds.ElementLength() != header.count) {
      throw Napi::RangeError::New(env, "one eventfd per IRQ in count is required");
    }
    for (size_t i = 0; i < fds.ElementLength(); i++) {
      // -1 tears a trigger down; anything else must be an eventfd this addon still owns.
      if (fds[i] != -1 && !fds_.Owns(fds[i])) {
        throw Napi::Error::New(env, "eventfd " + std::to_string(fds[i]) +
                                        " is not open in this addon");
      }
    }
    data.resize(fds.ByteLength());
    std::memcpy(data.data(), fds.Data(), fds.ByteLength());
  } else if (header.flags & uapi::VFIO_IRQ_SET_DATA_BOOL) {
    if (info.Length() < 6 || !info[5].IsTypedArray() ||
        info[5].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, "DATA_BOOL needs a Uint8Array");
    }
    Napi::Uint8Array bools = info[5].As<Napi::Uint8Array>();
    if (bools.ElementLength() != header.count) {
      throw Napi::RangeError::New(env, "one bool per IRQ in count is required");
    }
    data.assign(bools.Data(), bools.Data() + bools.ElementLength());
  }

  std::vector<uint8_t> buffer(sizeof(header) + data.size());
  header.argsz = static_cast<uint32_t>(buffer.size());
  std::memcpy(buffer.data(), &header, sizeof(header));
  if (!data.empty()) std::memcpy(buffer.data() + sizeof(header), data.data(), data.size());
  CheckedIoctl(env, device, uapi::VFIO_DEVICE_SET_IRQS, buffer.data(), "VFIO_DEVICE_SET_IRQS");
  return env.Undefined();
}

}  // namespace platpass
