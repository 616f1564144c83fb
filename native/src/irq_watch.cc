#include "irq_watch.h"

#include <unistd.h>

#include <cerrno>
#include <vector>

#include "addon.h"
#include "sys_error.h"

namespace platpass {

namespace {

void Deliver(IrqWatch* w, uint64_t count, const char* error) {
  Napi::HandleScope scope(w->env);
  std::vector<napi_value> args = {Napi::Number::New(w->env, static_cast<double>(count))};
  if (error) args.push_back(Napi::String::New(w->env, error));
  try {
    w->callback.MakeCallback(w->env.Global(), args, w->context);
  } catch (const Napi::Error& e) {
    // A throwing listener is the program's bug: surface it as an uncaught exception.
    napi_fatal_exception(w->env, e.Value());
  }
}

void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* w = static_cast<IrqWatch*>(handle->data);
  if (!w) return;
  if (status < 0) {
    Deliver(w, 0, uv_strerror(status));
    return;
  }
  uint64_t count = 0;
  ssize_t r;
  do {
    r = read(w->fd, &count, sizeof(count));
  } while (r < 0 && errno == EINTR);
  // EAGAIN: another reader drained it first; nothing happened that we did not report.
  if (r == sizeof(count) && count > 0) Deliver(w, count, nullptr);
}

}  // namespace

IrqWatch::IrqWatch(Napi::Env e, int f, Napi::Function cb, uv_poll_t* initialised)
    : env(e), fd(f), callback(Napi::Persistent(cb)), context(e, "platpass:vfio-irq"),
      poll(initialised) {
  poll->data = this;
}

IrqWatch::~IrqWatch() {
  uv_poll_stop(poll);
  poll->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
}

Napi::Value VfioAddon::Watch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = OwnedFdArg(info, 0);
  if (info.Length() < 2 || !info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "onCount must be a function");
  }
  if (watches_.count(fd)) {
    throw Napi::Error::New(env, "fd " + std::to_string(fd) + " is already watched");
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw Napi::Error::New(env, "no libuv loop for this environment");
  }
  auto* poll = new uv_poll_t;
  int r = uv_poll_init(loop, poll, fd);
  if (r < 0) {
    // Never initialised, so libuv holds no reference to it.
    delete poll;
    ThrowSys(env, "uv_poll_init", -r, "fd " + std::to_string(fd));
  }
  auto w = std::make_unique<IrqWatch>(env, fd, info[1].As<Napi::Function>(), poll);
  r = uv_poll_start(w->poll, UV_READABLE, OnReadable);
  if (r < 0) ThrowSys(env, "uv_poll_start", -r, "fd " + std::to_string(fd));
  watches_[fd] = std::move(w);
  return env.Undefined();
}

Napi::Value VfioAddon::Unwatch(const Napi::CallbackInfo& info) {
  int fd = OwnedFdArg(info, 0);
  if (!watches_.count(fd)) {
    throw Napi::Error::New(info.Env(), "fd " + std::to_string(fd) + " is not watched");
  }
  StopWatch(fd);
  return info.Env().Undefined();
}

void VfioAddon::StopWatch(int fd) { watches_.erase(fd); }

}  // namespace platpass
