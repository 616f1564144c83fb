// Errors thrown to JavaScript carry the failing operation (an ioctl or syscall name), the
// errno's symbolic name and number, so src/vfio/errors.ts can attach a hint per case.
#pragma once

#include <napi.h>

#include <string>

namespace platpass {

[[noreturn]] void ThrowSys(Napi::Env env, const std::string& op, int err,
                           const std::string& detail);

[[noreturn]] void ThrowRange(Napi::Env env, const std::string& message);

// ioctl() retried on EINTR; any other failure throws with the request's uapi name.
int CheckedIoctl(Napi::Env env, int fd, unsigned long request, void* arg, const char* name);
int CheckedIoctl(Napi::Env env, int fd, unsigned long request, unsigned long arg,
                 const char* name);

}  // namespace platpass
