// poller_bindings.cc: the pollerCreate/pollerAdd/... functions JS calls.
//
// JS holds a poller as a small integer id into the environment's table of
// open PollerHandles, so that no object is wrapped and a closed id is a
// cheap check.
#include <errno.h>
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "backends.h"
#include "errors.h"
#include "napi_util.h"
#include "poller_handle.h"

namespace tpoller {
namespace {

// Per-environment state (main thread and each worker have their own).
struct AddonData {
  std::vector<PollerHandle*> pollers;  // index = poller id; nullptr = free
};

AddonData* Data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

// The slot of the poller id `v` in the table, or nullptr when no poller
// has that id (closed, or never opened).
PollerHandle** Slot(const Napi::Value& v) {
  AddonData* d = Data(v.Env());
  int32_t id = v.As<Napi::Number>().Int32Value();
  // Not a number: Int32Value() answered 0 and threw; that is "no poller".
  if (id == 0 && v.Env().IsExceptionPending()) {
    v.Env().GetAndClearPendingException();
    return nullptr;
  }
  if (id < 0 || static_cast<size_t>(id) >= d->pollers.size() ||
      d->pollers[id] == nullptr) {
    return nullptr;
  }
  return &d->pollers[id];
}

// The open poller whose id is the first argument, or nullptr (with an
// exception pending).
PollerHandle* GetPoller(const Napi::CallbackInfo& info) {
  PollerHandle** slot = Slot(info[0]);
  if (slot == nullptr) {
    Napi::Error err = Napi::Error::New(info.Env(), "the poller is closed");
    err.Set("code", "T_ERR_POLLER_CLOSED");
    err.ThrowAsJavaScriptException();
    return nullptr;
  }
  return *slot;
}

bool GetEvents(const Napi::Value& v, int* events) {
  int64_t e;
  if (!GetInt(v, "events", 0, kAllEvents, &e)) return false;
  *events = static_cast<int>(e);
  return true;
}

// Puts `handle` in the first free slot of the table; returns its id.
size_t Register(Napi::Env env, PollerHandle* handle) {
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
  return id;
}

// Largest receive buffer for read-ahead (the offsets are int32).
constexpr int64_t kMaxReceiveBytes = 1 << 30;

// pollerCreate(backend, maxEvents, onBatch, receiveBytes)
//   -> [id, events Int32Array, readAhead Int32Array, receive Uint8Array]
// events and readAhead are the two halves of one ArrayBuffer.
Napi::Value PollerCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsFunction()) {
    ThrowTypeError(env,
                   "pollerCreate(backend: string, maxEvents: number, "
                   "onBatch: function, receiveBytes?: number)");
    return Napi::Value();
  }
  int64_t receive_bytes = 0;
  if (HasArg(info, 3) &&
      !GetInt(info[3], "receiveBytes", 0, kMaxReceiveBytes, &receive_bytes)) {
    return Napi::Value();
  }
  int32_t max_events = info[1].As<Napi::Number>().Int32Value();
  if (max_events < 1 || max_events > 65536) {
    ThrowRangeError(env, "maxEvents must be an integer in 1..65536");
    return Napi::Value();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const BackendInfo* b = FindBackend(name.data(), name.size());
  if (b == nullptr) {
    ThrowRangeError(env, "backend must be \"epoll\", \"kqueue\" or \"poll\"");
    return Napi::Value();
  }
  int err = -ENOSYS;
  std::unique_ptr<Backend> backend;
  if (b->create != nullptr) backend = b->create(max_events, &err);
  if (!backend) {
    ThrowSystemError(env, err, b->create_syscall);
    return Napi::Value();
  }

  size_t pairs = static_cast<size_t>(max_events);
  Napi::ArrayBuffer buffer =
      Napi::ArrayBuffer::New(env, pairs * 4 * sizeof(int32_t));
  Napi::Int32Array events = Napi::Int32Array::New(env, pairs * 2, buffer, 0);
  Napi::Int32Array ahead = Napi::Int32Array::New(
      env, pairs * 2, buffer, pairs * 2 * sizeof(int32_t));
  size_t recv_size = static_cast<size_t>(receive_bytes);
  Napi::ArrayBuffer recv = Napi::ArrayBuffer::New(env, recv_size);
  auto* handle = new PollerHandle(env, b, std::move(backend), max_events);
  if (recv_size > 0) handle->SetReceiveBuffer(recv, recv_size);
  int rc = handle->Init(info[2].As<Napi::Function>(), buffer);
  if (rc != 0) {
    handle->Abandon();
    ThrowSystemError(env, rc, "uv_poll_init");
    return Napi::Value();
  }
  Napi::Array result = Napi::Array::New(env, 4);
  result.Set(0u, Int(env, Register(env, handle)));
  result.Set(1u, events);
  result.Set(2u, ahead);
  result.Set(3u, Napi::Uint8Array::New(env, recv_size, recv, 0));
  return result;
}

// pollerAdd(poller, fd, events) and pollerModify(poller, fd, events): same
// arguments, same error shape; only the backend call differs.
template <bool kAdd>
void PollerSetInterest(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  int fd, events;
  if (p == nullptr || !GetFd(info[1], &fd) || !GetEvents(info[2], &events)) {
    return;
  }
  Backend* b = p->backend();
  int rc = kAdd ? b->Add(fd, events) : b->Modify(fd, events);
  if (rc != 0) {
    ThrowSystemError(info.Env(), rc, p->info()->ctl_syscall, fd);
    return;
  }
  // A new registration starts without read-ahead, whatever an earlier
  // descriptor with the same number (closed without removal) had.
  if (kAdd) p->SetReadAhead(fd, 0);
}

// pollerSetReadAhead(poller, fd, maxBytes): 0 turns read-ahead off.
void PollerSetReadAhead(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  int fd;
  int64_t cap;
  if (p == nullptr || !GetFd(info[1], &fd) ||
      !GetInt(info[2], "maxBytes", 0, static_cast<int64_t>(p->receive_size()),
              &cap)) {
    return;
  }
  p->SetReadAhead(fd, static_cast<int32_t>(cap));
}

void PollerRemove(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  int fd;
  if (p == nullptr || !GetFd(info[1], &fd)) return;
  int rc = p->backend()->Remove(fd);
  p->SetReadAhead(fd, 0);
  // Drop the fd's later events in this batch even when the kernel refused
  // the removal: the caller forgets its handler either way, and a new
  // handler for a reused number must not get stale events.
  p->Invalidate(fd);
  if (rc != 0) ThrowSystemError(info.Env(), rc, p->info()->ctl_syscall, fd);
}

void PollerStart(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  if (p == nullptr) return;
  int rc = p->Start();
  if (rc != 0) ThrowSystemError(info.Env(), rc, "uv_poll_start");
}

void PollerStop(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  if (p != nullptr) p->Stop();
}

// pollerRef(poller) and pollerUnref(poller).
template <bool kOn>
void PollerRef(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  if (p != nullptr) p->SetRef(kOn);
}

Napi::Value PollerSize(const Napi::CallbackInfo& info) {
  PollerHandle* p = GetPoller(info);
  if (p == nullptr) return Napi::Value();
  return Int(info.Env(), static_cast<int64_t>(p->backend()->size()));
}

void PollerClose(const Napi::CallbackInfo& info) {
  PollerHandle** slot = Slot(info[0]);
  // Closing twice is a no-op, as the contract asks.
  if (slot == nullptr) return;
  PollerHandle* p = *slot;
  *slot = nullptr;
  p->Close();
}

// The names of the backends compiled in, best first.
Napi::Array CompiledBackends(Napi::Env env) {
  Napi::Array names = Napi::Array::New(env);
  uint32_t n = 0;
  for (const BackendInfo& b : kBackends) {
    if (b.create == nullptr) continue;
    names.Set(n++, Str(env, b.name));
  }
  return names;
}

}  // namespace

void InitPoller(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.DefineProperties({
      Method<PollerCreate>(env, "pollerCreate"),
      Method<PollerSetInterest<true>>(env, "pollerAdd"),
      Method<PollerSetInterest<false>>(env, "pollerModify"),
      Method<PollerRemove>(env, "pollerRemove"),
      Method<PollerSetReadAhead>(env, "pollerSetReadAhead"),
      Method<PollerStart>(env, "pollerStart"),
      Method<PollerStop>(env, "pollerStop"),
      Method<PollerRef<true>>(env, "pollerRef"),
      Method<PollerRef<false>>(env, "pollerUnref"),
      Method<PollerSize>(env, "pollerSize"),
      Method<PollerClose>(env, "pollerClose"),
      Value("backends", CompiledBackends(env)),
  });
}

}  // namespace tpoller
