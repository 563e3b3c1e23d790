// addon.h: the Init function through which each C++ file registers exports.
#ifndef T_POLLER_NATIVE_ADDON_H_
#define T_POLLER_NATIVE_ADDON_H_

#include <napi.h>

namespace tpoller {

void InitErrors(Napi::Env env, Napi::Object exports);   // errors.cc
void InitSyscalls(Napi::Env env, Napi::Object exports);  // syscalls.cc
void InitPoller(Napi::Env env, Napi::Object exports);    // poller_bindings.cc

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_ADDON_H_
