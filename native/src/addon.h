// The addon's one object: every fd, mapping and IRQ watch it created, so each is released
// exactly once (by the caller, or at environment teardown). The JavaScript shape it exports
// is the `VfioNative` interface in src/vfio/native.ts.
#pragma once

#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>

#include "fd_table.h"

namespace platpass {

struct Mapping {
  int fd;
  volatile uint8_t* base;
  size_t size;
  bool writable;
};

struct IrqWatch;

class VfioAddon : public Napi::Addon<VfioAddon> {
 public:
  VfioAddon(Napi::Env env, Napi::Object exports);
  ~VfioAddon();

 private:
  // addon.cc: fds
  Napi::Value OpenPath(const Napi::CallbackInfo& info);
  Napi::Value CloseFd(const Napi::CallbackInfo& info);
  Napi::Value OwnedFds(const Napi::CallbackInfo& info);
  Napi::Value IoctlNumbers(const Napi::CallbackInfo& info);
  Napi::Value SetInheritable(const Napi::CallbackInfo& info);

  // container_ioctls.cc: legacy container/group and iommufd
  Napi::Value ApiVersion(const Napi::CallbackInfo& info);
  Napi::Value CheckExtension(const Napi::CallbackInfo& info);
  Napi::Value SetIommu(const Napi::CallbackInfo& info);
  Napi::Value GroupStatus(const Napi::CallbackInfo& info);
  Napi::Value GroupSetContainer(const Napi::CallbackInfo& info);
  Napi::Value GroupUnsetContainer(const Napi::CallbackInfo& info);
  Napi::Value GroupDeviceFd(const Napi::CallbackInfo& info);
  Napi::Value BindIommufd(const Napi::CallbackInfo& info);
  Napi::Value IoasAlloc(const Napi::CallbackInfo& info);
  Napi::Value AttachIommufdPt(const Napi::CallbackInfo& info);

  // device_ioctls.cc: information and reset
  Napi::Value DeviceInfo(const Napi::CallbackInfo& info);
  Napi::Value RegionInfo(const Napi::CallbackInfo& info);
  Napi::Value IrqInfo(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);

  // region_access.cc: pread/pwrite and mmap views
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Read64(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Write64(const Napi::CallbackInfo& info);
  Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value MapRead(const Napi::CallbackInfo& info);
  Napi::Value MapRead64(const Napi::CallbackInfo& info);
  Napi::Value MapWrite(const Napi::CallbackInfo& info);
  Napi::Value MapWrite64(const Napi::CallbackInfo& info);

  // irq_ioctls.cc: eventfds and VFIO_DEVICE_SET_IRQS
  Napi::Value Eventfd(const Napi::CallbackInfo& info);
  Napi::Value EventfdSignal(const Napi::CallbackInfo& info);
  Napi::Value SetIrqs(const Napi::CallbackInfo& info);

  // irq_watch.cc: eventfd counts delivered on the event loop
  Napi::Value Watch(const Napi::CallbackInfo& info);
  Napi::Value Unwatch(const Napi::CallbackInfo& info);

  // dt_tree.cc: a live device tree's directories and files in one call
  Napi::Value ReadTree(const Napi::CallbackInfo& info);

  int OwnedFdArg(const Napi::CallbackInfo& info, size_t i);
  Mapping& MappingArg(const Napi::CallbackInfo& info, size_t i);
  void UnmapAll(int fd);
  void StopWatch(int fd);

  FdTable fds_;
  std::map<uint32_t, Mapping> maps_;
  uint32_t next_map_ = 1;
  std::map<int, std::unique_ptr<IrqWatch>> watches_;
};

// Argument readers that throw a TypeError naming the argument.
uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i, const char* name);
uint64_t SafeIntegerArg(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* name);

}  // namespace platpass
