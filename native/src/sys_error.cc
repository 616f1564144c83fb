#include "sys_error.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

namespace platpass {

void ThrowSys(Napi::Env env, const std::string& op, int err, const std::string& detail) {
  const char* name = strerrorname_np(err);
  std::string message = op + " failed: " + std::strerror(err);
  if (!detail.empty()) message += " (" + detail + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("op", Napi::String::New(env, op));
  error.Set("errno", Napi::String::New(env, name ? name : "E?"));
  error.Set("errnoNumber", Napi::Number::New(env, err));
  throw error;
}

void ThrowRange(Napi::Env env, const std::string& message) {
  throw Napi::RangeError::New(env, message);
}

namespace {

template <typename Arg>
int RetryingIoctl(Napi::Env env, int fd, unsigned long request, Arg arg, const char* name) {
  int r;
  do {
    r = ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  if (r < 0) ThrowSys(env, name, errno, "fd " + std::to_string(fd));
  return r;
}

}  // namespace

int CheckedIoctl(Napi::Env env, int fd, unsigned long request, void* arg, const char* name) {
  return RetryingIoctl(env, fd, request, arg, name);
}

int CheckedIoctl(Napi::Env env, int fd, unsigned long request, unsigned long arg,
                 const char* name) {
  return RetryingIoctl(env, fd, request, arg, name);
}

}  // namespace platpass
