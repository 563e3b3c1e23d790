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
//
// Read-ahead: JS may mark a descriptor with a byte cap (SetReadAhead). After
// each harvest, every entry of a marked fd reported READ is read(2) into the
// poller's receive buffer, in the same crossing, while at least its cap is
// free there; the outcome (offset, then byte count, 0 at EOF or -errno) goes
// into the second half of the shared Int32Array, beside the (fd, events)
// pairs. Entries not read ahead get kReadAheadNone.
#ifndef T_POLLER_NATIVE_POLLER_HANDLE_H_
#define T_POLLER_NATIVE_POLLER_HANDLE_H_

#include <napi.h>
#include <stdint.h>
#include <uv.h>

#include <memory>
#include <optional>
#include <vector>

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

  // Sets the read-ahead cap of fd (0 turns read-ahead off). The caller
  // checked 0 <= cap <= receive_size(). Returns 0.
  int SetReadAhead(int fd, int32_t cap);
  size_t receive_size() const { return recv_size_; }

  // The receive buffer (`size` bytes) behind the read-ahead; size 0 leaves
  // read-ahead unavailable. Called once, before Init.
  void SetReceiveBuffer(Napi::ArrayBuffer buffer, size_t size);

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
  void ReadAhead(int n);
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
  // events_ + 2 * max_events_: (offset, result) per entry of the batch.
  int32_t* results_ = nullptr;
  // Read-ahead cap per fd (index = fd, 0 = off) and how many are non-zero.
  std::vector<int32_t> ahead_caps_;
  int ahead_fds_ = 0;
  uint8_t* recv_ = nullptr;
  size_t recv_size_ = 0;
  Napi::Reference<Napi::ArrayBuffer> recv_buffer_;
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
