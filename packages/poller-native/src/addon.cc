// addon.cc: module entry and the Poller driver tying a Backend to libuv and to one JS call per batch.
//
// Integration with Node's loop (DESIGN §3): the backend's own descriptor
// (epoll/kqueue fd) is watched by one uv_poll_t on the environment's loop.
// When it turns readable, Dispatch() harvests ready events without blocking
// into an Int32Array shared with JS and makes one napi_make_callback per
// batch; leaving that callback scope drains process.nextTick and the
// microtask queue. Backends without a descriptor (poll) are driven by a
// uv_async_t that their helper thread signals (see poll.cc).
#include <errno.h>
#include <napi.h>
#include <string.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "napi_util.h"
#include "poller.h"

namespace tpoller {

#if !defined(T_HAVE_EPOLL)
std::unique_ptr<Backend> CreateEpollBackend(int, int* err) {
  *err = -ENOSYS;
  return nullptr;
}
#endif
#if !defined(T_HAVE_KQUEUE)
std::unique_ptr<Backend> CreateKqueueBackend(int, int* err) {
  *err = -ENOSYS;
  return nullptr;
}
#endif

namespace {

// Full batches harvested per wakeup before control returns to libuv, so
// that a flood of ready fds cannot starve Node's timers and I/O. Whatever
// is left stays ready (level-triggered) and is harvested next iteration.
constexpr int kMaxRounds = 8;

class PollerHandle;

// Per-environment state (main thread and each worker have their own).
struct AddonData {
  std::vector<PollerHandle*> pollers;  // index = poller id; nullptr = free
};

const char* CtlSyscall(const char* backend) {
  if (strcmp(backend, "epoll") == 0) return "epoll_ctl";
  if (strcmp(backend, "kqueue") == 0) return "kevent";
  return "poll";
}

const char* WaitSyscall(const char* backend) {
  if (strcmp(backend, "epoll") == 0) return "epoll_wait";
  if (strcmp(backend, "kqueue") == 0) return "kevent";
  return "poll";
}

class PollerHandle {
 public:
  PollerHandle(napi_env env, std::unique_ptr<Backend> backend, int max_events)
      : env_(env), backend_(std::move(backend)), max_events_(max_events) {}

  // Creates the uv handle and the env-teardown hook. 0 or a negative errno.
  int Init(Napi::Function callback, Napi::ArrayBuffer buffer) {
    callback_ = Napi::Persistent(callback);
    buffer_ = Napi::Persistent(buffer);
    events_ = static_cast<int32_t*>(buffer.Data());
    async_context_.reset(new Napi::AsyncContext(env_, "TPoller"));
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

  // Releases a handle whose Init() failed (the caller throws the error).
  void Abandon() {
    if (uv_initialized_) {
      Close();
    } else {
      delete this;
    }
  }

  Backend* backend() { return backend_.get(); }

  int Start() {
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

  void Stop() {
    if (!started_) return;
    started_ = false;
    if (!use_async_) {
      uv_poll_stop(&uv_.poll);
    } else {
      backend_->Disarm();
    }
    UpdateRef();
  }

  void SetRef(bool on) {
    refd_ = on;
    UpdateRef();
  }

  // Drops later entries of fd from the batch being dispatched (libuv's
  // uv__platform_invalidate_fd): a handler that removes, closes and
  // reopens a descriptor must not see the old descriptor's readiness.
  void Invalidate(int fd) {
    if (batch_count_ == 0 || EventsDetached()) return;
    for (int i = 0; i < batch_count_; i++) {
      if (events_[2 * i] == fd) events_[2 * i] = -1;
    }
  }

  // Idempotent; safe from inside the batch callback (the handle is freed
  // in the uv close callback, which never runs synchronously).
  void Close() {
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

 private:
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&uv_); }

  // Whether JS transferred poller.events away (structuredClone/postMessage
  // with transfer). events_ then points into memory that belongs to the new
  // owner and may already be freed, so nothing may be written through it.
  // The batch callback can do this, so every write after JS ran checks
  // first. Needs an open handle scope (batch_count_ > 0 implies one).
  bool EventsDetached() { return buffer_.Value().IsDetached(); }

  void UpdateRef() {
    if (closing_ || !uv_initialized_) return;
    if (refd_ && started_) {
      uv_ref(handle());
    } else {
      uv_unref(handle());
    }
  }

  static void OnPoll(uv_poll_t* h, int status, int events) {
    (void)status;  // a failing epoll fd is reported by Harvest()
    (void)events;
    static_cast<PollerHandle*>(h->data)->Dispatch();
  }

  static void OnAsync(uv_async_t* h) {
    auto* self = static_cast<PollerHandle*>(h->data);
    self->Dispatch();
    if (!self->closing_ && self->started_) self->backend_->Arm();
  }

  void RaiseFatal(napi_value err) {
    if (err != nullptr) napi_fatal_exception(env_, err);
  }

  void Dispatch() {
    if (closing_ || !started_) return;
    Napi::Env env(env_);
    Napi::HandleScope scope(env);
    Napi::ArrayBuffer buffer = buffer_.Value();
    napi_value cb = callback_.Value();
    // napi_make_callback converts the receiver with ToObject: undefined
    // would throw, so the callback runs with the global object as `this`.
    napi_value recv;
    napi_get_global(env_, &recv);
    for (int round = 0; round < kMaxRounds; round++) {
      // Checked every round: the previous round's callback may have
      // transferred poller.events away.
      if (buffer.IsDetached()) {
        Stop();
        RaiseFatal(Napi::Error::New(env, "Poller.events was detached (transferred); "
                                         "the poller has been stopped")
                       .Value());
        return;
      }
      int n = backend_->Harvest(events_, max_events_);
      if (n < 0) {
        const char* sys = WaitSyscall(backend_->name());
        Stop();
        RaiseFatal(MakeSystemError(env_, n, sys));
        return;
      }
      if (n == 0) return;
      batch_count_ = n;
      napi_value argv = Int(env_, n);
      napi_value result;
      napi_status st = napi_make_callback(env_, *async_context_, recv, cb, 1,
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

  static void OnClosed(uv_handle_t* h) {
    auto* self = static_cast<PollerHandle*>(h->data);
    {
      Napi::HandleScope scope(Napi::Env(self->env_));
      self->callback_.Reset();
      self->buffer_.Reset();
      self->async_context_.reset();
    }
    if (self->cleanup_ != nullptr) napi_remove_async_cleanup_hook(self->cleanup_);
    delete self;
  }

  // The environment (main thread at exit, or a worker) is going away: close
  // the uv handle; OnClosed removes the hook, which lets teardown continue.
  static void OnEnvTeardown(napi_async_cleanup_hook_handle hook, void* arg) {
    (void)hook;
    static_cast<PollerHandle*>(arg)->Close();
  }

  napi_env env_;
  std::unique_ptr<Backend> backend_;
  int max_events_;
  int32_t* events_ = nullptr;
  Napi::FunctionReference callback_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
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

AddonData* Data(napi_env env) {
  void* p = nullptr;
  napi_get_instance_data(env, &p);
  return static_cast<AddonData*>(p);
}

// Reads the poller id argument; throws if the poller is closed.
PollerHandle* GetPoller(napi_env env, napi_value v, int32_t* id_out = nullptr) {
  AddonData* d = Data(env);
  int32_t id = -1;
  napi_get_value_int32(env, v, &id);
  if (id < 0 || static_cast<size_t>(id) >= d->pollers.size() ||
      d->pollers[id] == nullptr) {
    napi_throw_error(env, "T_ERR_POLLER_CLOSED", "the poller is closed");
    return nullptr;
  }
  if (id_out != nullptr) *id_out = id;
  return d->pollers[id];
}

template <size_t N>
bool Args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) ==
         napi_ok;
}

bool GetEvents(napi_env env, napi_value v, int* events) {
  int64_t e;
  if (!GetInt(env, v, "events", 0, kAllEvents, &e)) return false;
  *events = static_cast<int>(e);
  return true;
}

// pollerCreate(backend, maxEvents, onBatch) -> [id, Int32Array]
Napi::Value PollerCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsFunction()) {
    ThrowTypeError(env, "pollerCreate(backend: string, maxEvents: number, onBatch: function)");
    return Napi::Value();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  int max_events = info[1].As<Napi::Number>().Int32Value();
  if (max_events < 1 || max_events > 65536) {
    ThrowRangeError(env, "maxEvents must be an integer in 1..65536");
    return Napi::Value();
  }
  int err = 0;
  std::unique_ptr<Backend> backend;
  const char* syscall;
  if (name == "epoll") {
    backend = CreateEpollBackend(max_events, &err);
    syscall = "epoll_create1";
  } else if (name == "kqueue") {
    backend = CreateKqueueBackend(max_events, &err);
    syscall = "kqueue";
  } else if (name == "poll") {
    backend = CreatePollBackend(max_events, &err);
    syscall = "pipe";
  } else {
    ThrowRangeError(env, "backend must be \"epoll\", \"kqueue\" or \"poll\"");
    return Napi::Value();
  }
  if (!backend) {
    ThrowSystemError(env, err, syscall);
    return Napi::Value();
  }
  Napi::ArrayBuffer buffer =
      Napi::ArrayBuffer::New(env, static_cast<size_t>(max_events) * 2 * sizeof(int32_t));
  Napi::Int32Array events =
      Napi::Int32Array::New(env, static_cast<size_t>(max_events) * 2, buffer, 0);
  auto* handle = new PollerHandle(env, std::move(backend), max_events);
  int rc = handle->Init(info[2].As<Napi::Function>(), buffer);
  if (rc != 0) {
    handle->Abandon();
    ThrowSystemError(env, rc, "uv_poll_init");
    return Napi::Value();
  }
  AddonData* d = Data(env);
  size_t id = d->pollers.size();
  for (size_t i = 0; i < d->pollers.size(); i++) {
    if (d->pollers[i] == nullptr) {
      id = i;
      break;
    }
  }
  if (id == d->pollers.size()) d->pollers.push_back(nullptr);
  d->pollers[id] = handle;
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, static_cast<double>(id)));
  result.Set(1u, events);
  return result;
}

// pollerAdd(poller, fd, events) and pollerModify(poller, fd, events): same arguments, same
// error shape; only the backend call differs.
template <bool add>
napi_value PollerSetInterest(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  PollerHandle* p = GetPoller(env, argv[0]);
  int fd, events;
  if (p == nullptr || !GetFd(env, argv[1], &fd) || !GetEvents(env, argv[2], &events)) {
    return nullptr;
  }
  Backend* b = p->backend();
  int rc = add ? b->Add(fd, events) : b->Modify(fd, events);
  if (rc != 0) return ThrowSystemError(env, rc, CtlSyscall(b->name()), fd);
  return nullptr;
}

napi_value PollerRemove(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  PollerHandle* p = GetPoller(env, argv[0]);
  int fd;
  if (p == nullptr || !GetFd(env, argv[1], &fd)) return nullptr;
  int rc = p->backend()->Remove(fd);
  // Drop the fd's later events in this batch even when the kernel refused the removal: the
  // caller forgets its handler either way, and a new handler for a reused number must not get
  // stale events.
  p->Invalidate(fd);
  if (rc != 0) return ThrowSystemError(env, rc, CtlSyscall(p->backend()->name()), fd);
  return nullptr;
}

napi_value PollerStart(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  PollerHandle* p = GetPoller(env, argv[0]);
  if (p == nullptr) return nullptr;
  int rc = p->Start();
  if (rc != 0) return ThrowSystemError(env, rc, "uv_poll_start");
  return nullptr;
}

napi_value PollerStop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  PollerHandle* p = GetPoller(env, argv[0]);
  if (p != nullptr) p->Stop();
  return nullptr;
}

template <bool kOn>
napi_value PollerRef(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  PollerHandle* p = GetPoller(env, argv[0]);
  if (p != nullptr) p->SetRef(kOn);
  return nullptr;
}

napi_value PollerSize(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  PollerHandle* p = GetPoller(env, argv[0]);
  if (p == nullptr) return nullptr;
  return Int(env, static_cast<int64_t>(p->backend()->size()));
}

napi_value PollerClose(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  AddonData* d = Data(env);
  int32_t id = -1;
  napi_get_value_int32(env, argv[0], &id);
  // Closing twice is a no-op, as the contract asks.
  if (id < 0 || static_cast<size_t>(id) >= d->pollers.size() ||
      d->pollers[id] == nullptr) {
    return nullptr;
  }
  PollerHandle* p = d->pollers[id];
  d->pollers[id] = nullptr;
  p->Close();
  return nullptr;
}

}  // namespace

void InitPoller(napi_env env, napi_value exports) {
  auto* data = new AddonData();
  napi_set_instance_data(
      env, data,
      [](napi_env, void* p, void*) { delete static_cast<AddonData*>(p); },
      nullptr);
  Napi::Object obj(env, exports);
  obj.Set("pollerCreate", Napi::Function::New(env, PollerCreate, "pollerCreate"));
  napi_value backends;
  napi_create_array(env, &backends);
  uint32_t n = 0;
#if defined(T_HAVE_EPOLL)
  napi_set_element(env, backends, n++, Napi::String::New(env, "epoll"));
#endif
#if defined(T_HAVE_KQUEUE)
  napi_set_element(env, backends, n++, Napi::String::New(env, "kqueue"));
#endif
  napi_set_element(env, backends, n++, Napi::String::New(env, "poll"));
  napi_property_descriptor fns[] = {
      {"pollerAdd", nullptr, PollerSetInterest<true>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerModify", nullptr, PollerSetInterest<false>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerRemove", nullptr, PollerRemove, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerStart", nullptr, PollerStart, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerStop", nullptr, PollerStop, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerRef", nullptr, PollerRef<true>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerUnref", nullptr, PollerRef<false>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerSize", nullptr, PollerSize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pollerClose", nullptr, PollerClose, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"backends", nullptr, nullptr, nullptr, nullptr, backends, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns);
}

}  // namespace tpoller

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tpoller::InitSyscalls(env, exports);
  tpoller::InitPoller(env, exports);
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return exports;
}

NODE_API_MODULE(poller_native, Init)
