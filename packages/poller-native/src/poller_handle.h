// poller_handle.h: PollerHandle, which drives a Backend from Node's loop.
//
// Integration with Node's loop (DESIGN §3): the backend's own descriptor
// (epoll/kqueue fd) is watched by one uv_poll_t on the environment's loop.
// When it turns readable, Dispatch() harvests ready events without blocking
// into an Int32Array shared with JS and makes one MakeCallback per batch
// (napi_make_callback); leaving that callback scope drains
// process.nextTick and the microtask queue. Backends without a descriptor
// (poll) are driven by a uv_async_t that their helper thread signals (see
// poll.cc).
#ifndef T_POLLER_NATIVE_POLLER_HANDLE_H_
#define T_POLLER_NATIVE_POLLER_HANDLE_H_

#include <napi.h>
#include <stdint.h>
#include <uv.h>

#include <memory>
#include <optional>

#include "backends.h"
#include "poller.h"

namespace tpoller {

class PollerHandle {
 public:
  PollerHandle(Napi::Env env, const BackendInfo* info,
               std::unique_ptr<Backend> backend, int max_events);

  // Creates the uv handle and the env-teardown hook; `events` is the
  // ArrayBuffer behind the shared Int32Array (2 * max_events int32s).
  // 0 or a negative errno.
  int Init(Napi::Function callback, Napi::ArrayBuffer events);

  // Releases a handle whose Init() failed (the caller throws the error).
  void Abandon();

  Backend* backend() { return backend_.get(); }
  const BackendInfo* info() const { return info_; }

  int Start();
  void Stop();
  void SetRef(bool on);

  // Drops the fd's remaining entry from the batch being dispatched.
  void Invalidate(int fd);

  // Idempotent; safe from inside the batch callback (the handle is freed
  // in the uv close callback, which never runs synchronously).
  void Close();

 private:
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&uv_); }
  bool EventsDetached();
  void UpdateRef();
  void Dispatch();
  void DispatchInScope();
  void RaiseFatal(const Napi::Error& err);
  void ReleaseJs();

  static void OnPoll(uv_poll_t* h, int status, int events);
  static void OnAsync(uv_async_t* h);
  static void OnClosed(uv_handle_t* h);
  static void OnEnvTeardown(napi_async_cleanup_hook_handle hook, void* arg);

  Napi::Env env_;
  const BackendInfo* info_;
  std::unique_ptr<Backend> backend_;
  int max_events_;
  int32_t* events_ = nullptr;
  Napi::FunctionReference callback_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  std::optional<Napi::AsyncContext> async_context_;
  union {
    uv_poll_t poll;
    uv_async_t async;
  } uv_;
  bool use_async_ = false;
  bool uv_initialized_ = false;
  bool started_ = false;
  bool refd_ = true;
  bool closing_ = false;
  int batch_count_ = 0;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
};

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_POLLER_HANDLE_H_
