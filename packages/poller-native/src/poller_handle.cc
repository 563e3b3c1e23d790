// poller_handle.cc: PollerHandle: libuv watching, batch dispatch, teardown.
#include "poller_handle.h"

#include <errno.h>
#include <unistd.h>

#include "errors.h"
#include "napi_util.h"

namespace tpoller {

namespace {

// Full batches harvested per wakeup before control returns to libuv, so
// that a flood of ready fds cannot starve Node's timers and I/O. Whatever
// is left stays ready (level-triggered) and is harvested next iteration.
constexpr int kMaxRounds = 8;

}  // namespace

PollerHandle::PollerHandle(Napi::Env env, const BackendInfo* info,
                           std::unique_ptr<Backend> backend, int max_events)
    : env_(env),
      info_(info),
      backend_(std::move(backend)),
      max_events_(max_events) {}

int PollerHandle::Init(Napi::Function callback, Napi::ArrayBuffer events) {
  callback_ = Napi::Persistent(callback);
  buffer_ = Napi::Persistent(events);
  events_ = static_cast<int32_t*>(events.Data());
  results_ = events_ + 2 * static_cast<size_t>(max_events_);
  async_context_.emplace(env_, "TPoller");
  // node-addon-api wraps neither the libuv loop nor async cleanup hooks
  // (below): these two are raw N-API.
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok) return -EINVAL;
  int rc;
  if (backend_->fd() >= 0) {
    use_async_ = false;
    rc = uv_poll_init(loop, &uv_.poll, backend_->fd());
  } else {
    use_async_ = true;
    rc = uv_async_init(loop, &uv_.async, OnAsync);
  }
  if (rc != 0) return rc;  // libuv errors are negative errno on Unix
  handle()->data = this;
  uv_initialized_ = true;
  UpdateRef();
  if (use_async_) {
    rc = backend_->StartWatcher([this] { uv_async_send(&uv_.async); });
    if (rc != 0) return rc;
  }
  if (napi_add_async_cleanup_hook(env_, OnEnvTeardown, this, &cleanup_) !=
      napi_ok) {
    return -ENOMEM;
  }
  return 0;
}

void PollerHandle::Abandon() {
  if (uv_initialized_) {
    Close();
  } else {
    ReleaseJs();
    delete this;
  }
}

int PollerHandle::Start() {
  if (started_) return 0;
  if (!use_async_) {
    int rc = uv_poll_start(&uv_.poll, UV_READABLE, OnPoll);
    if (rc != 0) return rc;
  } else {
    backend_->Arm();
  }
  started_ = true;
  UpdateRef();
  return 0;
}

void PollerHandle::Stop() {
  if (!started_) return;
  started_ = false;
  if (!use_async_) {
    uv_poll_stop(&uv_.poll);
  } else {
    backend_->Disarm();
  }
  UpdateRef();
}

void PollerHandle::SetRef(bool on) {
  refd_ = on;
  UpdateRef();
}

// libuv's uv__platform_invalidate_fd: a handler that removes, closes and
// reopens a descriptor must not see the old descriptor's readiness. Every
// backend reports an fd at most once per batch (epoll one event per
// registration, kqueue.cc merges the read and write filters, poll one
// pollfd per fd), so the scan stops at the first match, as uSockets'
// us_internal_loop_update_pending_ready_polls stops when no entry of the
// poll can remain.
void PollerHandle::Invalidate(int fd) {
  if (batch_count_ == 0 || EventsDetached()) return;
  for (int i = 0; i < batch_count_; i++) {
    if (events_[2 * i] == fd) {
      events_[2 * i] = -1;
      return;
    }
  }
}

int PollerHandle::SetReadAhead(int fd, int32_t cap) {
  size_t i = static_cast<size_t>(fd);
  if (i >= ahead_caps_.size()) {
    if (cap == 0) return 0;
    // Grown geometrically, so a server accepting ever higher fds does not
    // copy the table per connection.
    size_t size = ahead_caps_.size() < 64 ? 64 : ahead_caps_.size();
    while (size <= i) size *= 2;
    ahead_caps_.resize(size, 0);
  }
  int32_t old = ahead_caps_[i];
  ahead_caps_[i] = cap;
  ahead_fds_ += (cap != 0) - (old != 0);
  return 0;
}

void PollerHandle::SetReceiveBuffer(Napi::ArrayBuffer buffer, size_t size) {
  recv_buffer_ = Napi::Persistent(buffer);
  recv_ = static_cast<uint8_t*>(buffer.Data());
  recv_size_ = size;
}

// After a harvest of n entries: reads every READ-ready fd that has a
// read-ahead cap into the receive buffer, one after the other, while the
// buffer has at least that cap free; records (offset, result) per entry.
// A fd whose cap no longer fits is left for its stream's own read.
void PollerHandle::ReadAhead(int n) {
  int32_t* r = results_;
  if (ahead_fds_ == 0 || recv_size_ == 0 || recv_buffer_.Value().IsDetached()) {
    for (int i = 0; i < n; i++) r[2 * i + 1] = kReadAheadNone;
    return;
  }
  size_t used = 0;
  size_t ncaps = ahead_caps_.size();
  for (int i = 0; i < n; i++) {
    r[2 * i + 1] = kReadAheadNone;
    int fd = events_[2 * i];
    if ((events_[2 * i + 1] & kRead) == 0 || static_cast<size_t>(fd) >= ncaps) {
      continue;
    }
    size_t cap = static_cast<size_t>(ahead_caps_[fd]);
    if (cap == 0 || recv_size_ - used < cap) continue;
    ssize_t k;
    do {
      k = read(fd, recv_ + used, cap);
    } while (k < 0 && errno == EINTR);
    r[2 * i] = static_cast<int32_t>(used);
    if (k >= 0) {
      r[2 * i + 1] = static_cast<int32_t>(k);
      used += static_cast<size_t>(k);
    } else {
      int e = errno;
      r[2 * i + 1] = (e == EWOULDBLOCK) ? -EAGAIN : -e;
    }
  }
}

void PollerHandle::Close() {
  if (closing_) return;
  closing_ = true;
  started_ = false;
  if (batch_count_ > 0 && !EventsDetached()) {
    for (int i = 0; i < batch_count_; i++) events_[2 * i] = -1;
  }
  if (use_async_) {
    // Join the helper thread first: uv_async_send after uv_close is
    // undefined behaviour.
    backend_.reset();
    uv_close(handle(), OnClosed);
  } else {
    // uv_close stops the watcher synchronously, so the epoll fd can go.
    uv_close(handle(), OnClosed);
    backend_.reset();
  }
}

// Whether JS transferred poller.events away (structuredClone/postMessage
// with transfer). events_ then points into memory that belongs to the new
// owner and may already be freed, so nothing may be written through it.
// The batch callback can do this, so every write after JS ran checks
// first. Needs an open handle scope (batch_count_ > 0 implies one).
bool PollerHandle::EventsDetached() { return buffer_.Value().IsDetached(); }

void PollerHandle::UpdateRef() {
  if (closing_ || !uv_initialized_) return;
  if (refd_ && started_) {
    uv_ref(handle());
  } else {
    uv_unref(handle());
  }
}

void PollerHandle::OnPoll(uv_poll_t* h, int status, int events) {
  (void)status;  // a failing epoll fd is reported by Harvest()
  (void)events;
  static_cast<PollerHandle*>(h->data)->Dispatch();
}

void PollerHandle::OnAsync(uv_async_t* h) {
  auto* self = static_cast<PollerHandle*>(h->data);
  self->Dispatch();
  if (!self->closing_ && self->started_) self->backend_->Arm();
}

// Reports err as an uncaught exception ('uncaughtException', or the
// process ends with its stack), as Node does for a throwing 'data'
// listener. node-addon-api has no wrapper for napi_fatal_exception.
void PollerHandle::RaiseFatal(const Napi::Error& err) {
  if (!err.IsEmpty()) napi_fatal_exception(env_, err.Value());
}

void PollerHandle::Dispatch() {
  if (closing_ || !started_) return;
  Napi::HandleScope scope(env_);
  DispatchInScope();
}

void PollerHandle::DispatchInScope() {
  Napi::ArrayBuffer buffer = buffer_.Value();
  // The callback as a Napi::Function, fetched once per wakeup: its
  // MakeCallback is one napi_make_callback, where FunctionReference's
  // would also open and close an escapable handle scope per batch.
  Napi::Function cb = callback_.Value();
  // napi_make_callback converts the receiver with ToObject: undefined
  // would throw, so the callback runs with the global object as `this`.
  Napi::Object recv = env_.Global();
  for (int round = 0; round < kMaxRounds; round++) {
    // Checked every round: the previous round's callback may have
    // transferred poller.events away.
    if (buffer.IsDetached()) {
      Stop();
      RaiseFatal(Napi::Error::New(env_,
                                  "Poller.events was detached (transferred); "
                                  "the poller has been stopped"));
      return;
    }
    int n = backend_->Harvest(events_, max_events_);
    if (n < 0) {
      Stop();
      RaiseFatal(MakeSystemError(env_, n, info_->wait_syscall));
      return;
    }
    if (n == 0) return;
    ReadAhead(n);
    batch_count_ = n;
    napi_value argv = Int(env_, n);
    Napi::Value result = cb.MakeCallback(recv, 1, &argv, *async_context_);
    batch_count_ = 0;
    if (result.IsEmpty()) {
      // The callback threw (node-addon-api has re-thrown its exception):
      // report it as an uncaught exception, the way a throwing 'data'
      // listener is reported. Nothing is pending when the environment is
      // being torn down (a terminated worker).
      if (env_.IsExceptionPending()) {
        RaiseFatal(env_.GetAndClearPendingException());
      }
      return;
    }
    if (closing_ || !started_ || n < max_events_) return;
  }
}

// Drops the references to the callback and the events buffer and the
// async context; JS can collect them from here on.
void PollerHandle::ReleaseJs() {
  Napi::HandleScope scope(env_);
  callback_.Reset();
  buffer_.Reset();
  recv_buffer_.Reset();
  async_context_.reset();
}

void PollerHandle::OnClosed(uv_handle_t* h) {
  auto* self = static_cast<PollerHandle*>(h->data);
  self->ReleaseJs();
  if (self->cleanup_ != nullptr) {
    napi_remove_async_cleanup_hook(self->cleanup_);
  }
  delete self;
}

// The environment (main thread at exit, or a worker) is going away: close
// the uv handle; OnClosed removes the hook, which lets teardown continue.
void PollerHandle::OnEnvTeardown(napi_async_cleanup_hook_handle hook,
                                 void* arg) {
  (void)hook;
  static_cast<PollerHandle*>(arg)->Close();
}

}  // namespace tpoller
