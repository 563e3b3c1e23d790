// poller_handle.cc: PollerHandle: libuv watching, batch dispatch, teardown.
#include "poller_handle.h"

#include <errno.h>

#include "errors.h"
#include "napi_util.h"

namespace tpoller {

namespace {

// Full batches harvested per wakeup before control returns to libuv, so
// that a flood of ready fds cannot starve Node's timers and I/O. Whatever
// is left stays ready (level-triggered) and is harvested next iteration.
constexpr int kMaxRounds = 8;

}  // namespace

PollerHandle::PollerHandle(napi_env env, const BackendInfo* info,
                           std::unique_ptr<Backend> backend, int max_events)
    : env_(env),
      info_(info),
      backend_(std::move(backend)),
      max_events_(max_events) {}

int PollerHandle::Init(napi_value callback, napi_value events) {
  void* data = nullptr;
  if (napi_create_reference(env_, callback, 1, &callback_) != napi_ok ||
      napi_create_reference(env_, events, 1, &buffer_) != napi_ok ||
      napi_get_arraybuffer_info(env_, events, &data, nullptr) != napi_ok ||
      napi_async_init(env_, nullptr, Str(env_, "TPoller"),
                      &async_context_) != napi_ok) {
    return -ENOMEM;
  }
  events_ = static_cast<int32_t*>(data);
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
bool PollerHandle::EventsDetached() {
  napi_value buffer;
  bool detached = false;
  napi_get_reference_value(env_, buffer_, &buffer);
  napi_is_detached_arraybuffer(env_, buffer, &detached);
  return detached;
}

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

void PollerHandle::RaiseFatal(napi_value err) {
  if (err != nullptr) napi_fatal_exception(env_, err);
}

void PollerHandle::Dispatch() {
  if (closing_ || !started_) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
  DispatchInScope();
  napi_close_handle_scope(env_, scope);
}

void PollerHandle::DispatchInScope() {
  napi_value buffer, cb, recv;
  napi_get_reference_value(env_, buffer_, &buffer);
  napi_get_reference_value(env_, callback_, &cb);
  // napi_make_callback converts the receiver with ToObject: undefined
  // would throw, so the callback runs with the global object as `this`.
  napi_get_global(env_, &recv);
  for (int round = 0; round < kMaxRounds; round++) {
    // Checked every round: the previous round's callback may have
    // transferred poller.events away.
    bool detached = false;
    napi_is_detached_arraybuffer(env_, buffer, &detached);
    if (detached) {
      Stop();
      napi_value err;
      napi_create_error(env_, nullptr,
                        Str(env_, "Poller.events was detached (transferred); "
                                  "the poller has been stopped"),
                        &err);
      RaiseFatal(err);
      return;
    }
    int n = backend_->Harvest(events_, max_events_);
    if (n < 0) {
      Stop();
      RaiseFatal(MakeSystemError(env_, n, info_->wait_syscall));
      return;
    }
    if (n == 0) return;
    batch_count_ = n;
    napi_value argv = Int(env_, n);
    napi_value result;
    napi_status st = napi_make_callback(env_, async_context_, recv, cb, 1,
                                        &argv, &result);
    batch_count_ = 0;
    if (st != napi_ok) {
      // The callback threw: report it as an uncaught exception, the way
      // a throwing 'data' listener is reported.
      bool pending = false;
      napi_is_exception_pending(env_, &pending);
      if (pending) {
        napi_value exc;
        if (napi_get_and_clear_last_exception(env_, &exc) == napi_ok) {
          RaiseFatal(exc);
        }
      }
      return;
    }
    if (closing_ || !started_ || n < max_events_) return;
  }
}

// Drops the references to the callback and the events buffer and the
// async context; JS can collect them from here on.
void PollerHandle::ReleaseJs() {
  napi_handle_scope scope;
  bool scoped = napi_open_handle_scope(env_, &scope) == napi_ok;
  if (callback_ != nullptr) napi_delete_reference(env_, callback_);
  if (buffer_ != nullptr) napi_delete_reference(env_, buffer_);
  if (async_context_ != nullptr) napi_async_destroy(env_, async_context_);
  callback_ = buffer_ = nullptr;
  async_context_ = nullptr;
  if (scoped) napi_close_handle_scope(env_, scope);
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
