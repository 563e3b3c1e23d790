// addon.cc: module registration: each C++ file's exports, and napiVersion.
//
// Which file holds what: poller_handle.cc drives a Backend (poller.h;
// epoll.cc, kqueue.cc, poll.cc) from libuv, poller_bindings.cc is its JS
// face, syscalls.cc the socket and fd calls, sockaddr.cc their addresses,
// errors.cc the system errors, napi_util.cc the argument readers.
#include <napi.h>

#include "addon.h"
#include "napi_util.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tpoller::InitErrors(env, exports);
  tpoller::InitSyscalls(env, exports);
  tpoller::InitPoller(env, exports);
  exports.Set("napiVersion", tpoller::Int(env, NAPI_VERSION));
  return exports;
}

}  // namespace

NODE_API_MODULE(poller_native, Init)
