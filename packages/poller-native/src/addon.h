// addon.h: the Init function through which each C++ file registers exports.
#ifndef T_POLLER_NATIVE_ADDON_H_
#define T_POLLER_NATIVE_ADDON_H_

#include <node_api.h>

namespace tpoller {

void InitErrors(napi_env env, napi_value exports);   // errors.cc
void InitSyscalls(napi_env env, napi_value exports);  // syscalls.cc
void InitPoller(napi_env env, napi_value exports);    // poller_bindings.cc

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_ADDON_H_
