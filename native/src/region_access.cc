// Register access: pread/pwrite on the device fd (every access is one syscall, the kernel
// splits it into naturally aligned MMIO accesses) and mmap views (one CPU load or store of
// exactly the requested width, through a volatile pointer so it is never merged or split).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "addon.h"
#include "sys_error.h"

namespace platpass {

namespace {

uint32_t WidthArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t width = U32Arg(info, i, "width");
  if (width != 1 && width != 2 && width != 4) {
    throw Napi::RangeError::New(info.Env(), "width must be 1, 2 or 4 bytes (use read64/write64 "
                                            "for 8)");
  }
  return width;
}

std::string Hex(uint64_t v) {
  char b[24];
  snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

void CheckAligned(Napi::Env env, uint64_t offset, uint32_t width) {
  if (offset % width != 0) {
    ThrowRange(env, "offset " + Hex(offset) + " is not aligned to the access width of " +
                        std::to_string(width) + " bytes");
  }
}

void PreadExact(Napi::Env env, int fd, void* buf, size_t n, uint64_t offset) {
  ssize_t r;
  do {
    r = pread(fd, buf, n, static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) ThrowSys(env, "pread", errno, "fd " + std::to_string(fd));
  if (static_cast<size_t>(r) != n) ThrowSys(env, "pread", EIO, "short read");
}

void PwriteExact(Napi::Env env, int fd, const void* buf, size_t n, uint64_t offset) {
  ssize_t r;
  do {
    r = pwrite(fd, buf, n, static_cast<off_t>(offset));
  } while (r < 0 && errno == EINTR);
  if (r < 0) ThrowSys(env, "pwrite", errno, "fd " + std::to_string(fd));
  if (static_cast<size_t>(r) != n) ThrowSys(env, "pwrite", EIO, "short write");
}

uint64_t BigIntArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsBigInt()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a bigint");
  }
  bool lossless = false;
  uint64_t v = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(info.Env(), std::string(name) + " must fit u64");
  return v;
}

uint32_t ValueArg(const Napi::CallbackInfo& info, size_t i, uint32_t width) {
  uint32_t v = U32Arg(info, i, "value");
  if (width < 4 && v >> (width * 8) != 0) {
    throw Napi::RangeError::New(info.Env(),
                                "value does not fit in " + std::to_string(width * 8) + " bits");
  }
  return v;
}

}  // namespace

Napi::Value VfioAddon::Read(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint32_t width = WidthArg(info, 2);
  CheckAligned(info.Env(), offset, width);
  uint32_t value = 0;  // little-endian hosts only (arm64, x86_64): low bytes first
  PreadExact(info.Env(), fd, &value, width, offset);
  return Napi::Number::New(info.Env(), value);
}

Napi::Value VfioAddon::Read64(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  CheckAligned(info.Env(), offset, 8);
  uint64_t value = 0;
  PreadExact(info.Env(), fd, &value, 8, offset);
  return Napi::BigInt::New(info.Env(), value);
}

Napi::Value VfioAddon::Write(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint32_t width = WidthArg(info, 2);
  uint32_t value = ValueArg(info, 3, width);
  CheckAligned(info.Env(), offset, width);
  PwriteExact(info.Env(), fd, &value, width, offset);
  return info.Env().Undefined();
}

Napi::Value VfioAddon::Write64(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint64_t value = BigIntArg(info, 2, "value");
  CheckAligned(info.Env(), offset, 8);
  PwriteExact(info.Env(), fd, &value, 8, offset);
  return info.Env().Undefined();
}

Napi::Value VfioAddon::Map(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint64_t size = SafeIntegerArg(info, 2, "size");
  if (info.Length() < 4 || !info[3].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), "writable must be a boolean");
  }
  bool writable = info[3].As<Napi::Boolean>().Value();
  if (size == 0) throw Napi::RangeError::New(info.Env(), "size must be at least 1");
  int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* base = mmap(nullptr, size, prot, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (base == MAP_FAILED) ThrowSys(info.Env(), "mmap", errno, "fd " + std::to_string(fd));
  uint32_t id = next_map_++;
  maps_[id] = Mapping{fd, static_cast<volatile uint8_t*>(base), size, writable};
  return Napi::Number::New(info.Env(), id);
}

Napi::Value VfioAddon::Unmap(const Napi::CallbackInfo& info) {
  uint32_t id = U32Arg(info, 0, "mapId");
  auto it = maps_.find(id);
  if (it == maps_.end()) {
    throw Napi::Error::New(info.Env(), "mapping " + std::to_string(id) + " is not mapped");
  }
  munmap(const_cast<uint8_t*>(it->second.base), it->second.size);
  maps_.erase(it);
  return info.Env().Undefined();
}

void VfioAddon::UnmapAll(int fd) {
  for (auto it = maps_.begin(); it != maps_.end();) {
    if (it->second.fd == fd) {
      munmap(const_cast<uint8_t*>(it->second.base), it->second.size);
      it = maps_.erase(it);
    } else {
      ++it;
    }
  }
}

Mapping& VfioAddon::MappingArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t id = U32Arg(info, i, "mapId");
  auto it = maps_.find(id);
  if (it == maps_.end()) {
    throw Napi::Error::New(info.Env(), "mapping " + std::to_string(id) + " is not mapped");
  }
  return it->second;
}

namespace {

void CheckInside(Napi::Env env, const Mapping& m, uint64_t offset, uint32_t width) {
  if (offset + width > m.size) {
    ThrowRange(env, "offset " + Hex(offset) + " + " + std::to_string(width) +
                        " is outside the " + Hex(m.size) + "-byte mapping");
  }
  CheckAligned(env, offset, width);
}

}  // namespace

Napi::Value VfioAddon::MapRead(const Napi::CallbackInfo& info) {
  Mapping& m = MappingArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint32_t width = WidthArg(info, 2);
  CheckInside(info.Env(), m, offset, width);
  volatile uint8_t* p = m.base + offset;
  uint32_t v = width == 1   ? *p
               : width == 2 ? *reinterpret_cast<volatile uint16_t*>(p)
                            : *reinterpret_cast<volatile uint32_t*>(p);
  return Napi::Number::New(info.Env(), v);
}

Napi::Value VfioAddon::MapRead64(const Napi::CallbackInfo& info) {
  Mapping& m = MappingArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  CheckInside(info.Env(), m, offset, 8);
  uint64_t v = *reinterpret_cast<volatile uint64_t*>(m.base + offset);
  return Napi::BigInt::New(info.Env(), v);
}

Napi::Value VfioAddon::MapWrite(const Napi::CallbackInfo& info) {
  Mapping& m = MappingArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint32_t width = WidthArg(info, 2);
  uint32_t value = ValueArg(info, 3, width);
  CheckInside(info.Env(), m, offset, width);
  if (!m.writable) throw Napi::Error::New(info.Env(), "mapping is read-only");
  volatile uint8_t* p = m.base + offset;
  if (width == 1) {
    *p = static_cast<uint8_t>(value);
  } else if (width == 2) {
    *reinterpret_cast<volatile uint16_t*>(p) = static_cast<uint16_t>(value);
  } else {
    *reinterpret_cast<volatile uint32_t*>(p) = value;
  }
  return info.Env().Undefined();
}

Napi::Value VfioAddon::MapWrite64(const Napi::CallbackInfo& info) {
  Mapping& m = MappingArg(info, 0);
  uint64_t offset = SafeIntegerArg(info, 1, "offset");
  uint64_t value = BigIntArg(info, 2, "value");
  CheckInside(info.Env(), m, offset, 8);
  if (!m.writable) throw Napi::Error::New(info.Env(), "mapping is read-only");
  *reinterpret_cast<volatile uint64_t*>(m.base + offset) = value;
  return info.Env().Undefined();
}

}  // namespace platpass
