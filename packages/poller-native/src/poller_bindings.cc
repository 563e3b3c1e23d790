// poller_bindings.cc: the pollerCreate/pollerAdd/... functions JS calls.
//
// JS holds a poller as a small integer id into the environment's table of
// open PollerHandles, so that no object is wrapped and a closed id is a
// cheap check.
#include <errno.h>
#include <string.h>

#include <memory>
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

AddonData* Data(napi_env env) {
  void* p = nullptr;
  napi_get_instance_data(env, &p);
  return static_cast<AddonData*>(p);
}

// The open poller with id `v`, or nullptr (with an exception pending).
PollerHandle* GetPoller(napi_env env, napi_value v) {
  AddonData* d = Data(env);
  int32_t id = -1;
  napi_get_value_int32(env, v, &id);
  if (id < 0 || static_cast<size_t>(id) >= d->pollers.size() ||
      d->pollers[id] == nullptr) {
    napi_throw_error(env, "T_ERR_POLLER_CLOSED", "the poller is closed");
    return nullptr;
  }
  return d->pollers[id];
}

// The arguments of a poller method, whose first is the poller id: the
// open poller, or nullptr (with an exception pending).
template <size_t N>
PollerHandle* PollerArgs(napi_env env, napi_callback_info info,
                         napi_value (&argv)[N]) {
  if (!Args(env, info, argv)) return nullptr;
  return GetPoller(env, argv[0]);
}

bool GetEvents(napi_env env, napi_value v, int* events) {
  int64_t e;
  if (!GetInt(env, v, "events", 0, kAllEvents, &e)) return false;
  *events = static_cast<int>(e);
  return true;
}

bool IsType(napi_env env, napi_value v, napi_valuetype want) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && t == want;
}

// Puts `handle` in the first free slot of the table; returns its id.
size_t Register(napi_env env, PollerHandle* handle) {
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

// pollerCreate(backend, maxEvents, onBatch) -> [id, Int32Array]
napi_value PollerCreate(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  if (!IsType(env, argv[0], napi_string) ||
      !IsType(env, argv[1], napi_number) ||
      !IsType(env, argv[2], napi_function)) {
    return ThrowTypeError(env,
                          "pollerCreate(backend: string, maxEvents: number, "
                          "onBatch: function)");
  }
  int32_t max_events = 0;
  napi_get_value_int32(env, argv[1], &max_events);
  if (max_events < 1 || max_events > 65536) {
    return ThrowRangeError(env, "maxEvents must be an integer in 1..65536");
  }
  char name[16];
  size_t len = 0;
  napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &len);
  const BackendInfo* b = FindBackend(name, len);
  if (b == nullptr) {
    return ThrowRangeError(
        env, "backend must be \"epoll\", \"kqueue\" or \"poll\"");
  }
  int err = -ENOSYS;
  std::unique_ptr<Backend> backend;
  if (b->create != nullptr) backend = b->create(max_events, &err);
  if (!backend) return ThrowSystemError(env, err, b->create_syscall);

  size_t pairs = static_cast<size_t>(max_events);
  napi_value buffer, events;
  void* data;
  if (napi_create_arraybuffer(env, pairs * 2 * sizeof(int32_t), &data,
                              &buffer) != napi_ok ||
      napi_create_typedarray(env, napi_int32_array, pairs * 2, buffer, 0,
                             &events) != napi_ok) {
    return nullptr;
  }
  auto* handle = new PollerHandle(env, b, std::move(backend), max_events);
  int rc = handle->Init(argv[2], buffer);
  if (rc != 0) {
    handle->Abandon();
    return ThrowSystemError(env, rc, "uv_poll_init");
  }
  napi_value result;
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, Int(env, Register(env, handle)));
  napi_set_element(env, result, 1, events);
  return result;
}

// pollerAdd(poller, fd, events) and pollerModify(poller, fd, events): same
// arguments, same error shape; only the backend call differs.
template <bool kAdd>
napi_value PollerSetInterest(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  PollerHandle* p = PollerArgs(env, info, argv);
  int fd, events;
  if (p == nullptr || !GetFd(env, argv[1], &fd) ||
      !GetEvents(env, argv[2], &events)) {
    return nullptr;
  }
  Backend* b = p->backend();
  int rc = kAdd ? b->Add(fd, events) : b->Modify(fd, events);
  if (rc != 0) return ThrowSystemError(env, rc, p->info()->ctl_syscall, fd);
  return nullptr;
}

napi_value PollerRemove(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  PollerHandle* p = PollerArgs(env, info, argv);
  int fd;
  if (p == nullptr || !GetFd(env, argv[1], &fd)) return nullptr;
  int rc = p->backend()->Remove(fd);
  // Drop the fd's later events in this batch even when the kernel refused
  // the removal: the caller forgets its handler either way, and a new
  // handler for a reused number must not get stale events.
  p->Invalidate(fd);
  if (rc != 0) return ThrowSystemError(env, rc, p->info()->ctl_syscall, fd);
  return nullptr;
}

napi_value PollerStart(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  PollerHandle* p = PollerArgs(env, info, argv);
  if (p == nullptr) return nullptr;
  int rc = p->Start();
  if (rc != 0) return ThrowSystemError(env, rc, "uv_poll_start");
  return nullptr;
}

napi_value PollerStop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  PollerHandle* p = PollerArgs(env, info, argv);
  if (p != nullptr) p->Stop();
  return nullptr;
}

// pollerRef(poller) and pollerUnref(poller).
template <bool kOn>
napi_value PollerRef(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  PollerHandle* p = PollerArgs(env, info, argv);
  if (p != nullptr) p->SetRef(kOn);
  return nullptr;
}

napi_value PollerSize(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  PollerHandle* p = PollerArgs(env, info, argv);
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

// The names of the backends compiled in, best first.
napi_value CompiledBackends(napi_env env) {
  napi_value names;
  napi_create_array(env, &names);
  uint32_t n = 0;
  for (const BackendInfo& b : kBackends) {
    if (b.create == nullptr) continue;
    napi_set_element(env, names, n++, Str(env, b.name));
  }
  return names;
}

}  // namespace

void InitPoller(napi_env env, napi_value exports) {
  napi_set_instance_data(
      env, new AddonData(),
      [](napi_env, void* p, void*) { delete static_cast<AddonData*>(p); },
      nullptr);
  const napi_property_descriptor table[] = {
      Method("pollerCreate", PollerCreate),
      Method("pollerAdd", PollerSetInterest<true>),
      Method("pollerModify", PollerSetInterest<false>),
      Method("pollerRemove", PollerRemove),
      Method("pollerStart", PollerStart),
      Method("pollerStop", PollerStop),
      Method("pollerRef", PollerRef<true>),
      Method("pollerUnref", PollerRef<false>),
      Method("pollerSize", PollerSize),
      Method("pollerClose", PollerClose),
      Value("backends", CompiledBackends(env)),
  };
  DefineExports(env, exports, table);
}

}  // namespace tpoller
