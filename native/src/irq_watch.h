// An eventfd watched on Node's own event loop (uv_poll): when the kernel signals it, the
// counter is read (which resets it) and handed to a JavaScript callback. Nothing blocks and
// no thread is involved.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

namespace platpass {

struct IrqWatch {
  IrqWatch(Napi::Env env, int fd, Napi::Function callback, uv_poll_t* initialised);
  ~IrqWatch();

  Napi::Env env;
  int fd;
  Napi::FunctionReference callback;
  Napi::AsyncContext context;
  // Heap-allocated apart from the watch: libuv frees it only after uv_close completes.
  uv_poll_t* poll;
};

}  // namespace platpass
