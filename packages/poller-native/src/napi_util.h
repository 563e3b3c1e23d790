// napi_util.h: argument checks and Node-shaped system errors shared by the addon's C++ files.
#ifndef T_POLLER_NATIVE_NAPI_UTIL_H_
#define T_POLLER_NATIVE_NAPI_UTIL_H_

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

namespace tpoller {

// Throws an Error shaped like Node's system errors: message
// "<syscall> <CODE> <address>[:<port>] (fd <fd>): <description>" and the
// properties code, errno (negative), syscall, and fd/address/port when
// given (fd < 0, address == nullptr, port < 0 mean "not applicable").
// Returns nullptr so that callbacks can `return ThrowSystemError(...)`.
napi_value ThrowSystemError(napi_env env, int neg_errno, const char* syscall,
                            int fd = -1, const char* address = nullptr,
                            int port = -1);

// Creates (without throwing) the same error object; nullptr on failure.
napi_value MakeSystemError(napi_env env, int neg_errno, const char* syscall,
                           int fd = -1, const char* address = nullptr,
                           int port = -1);

// Writes the errno name ("EAGAIN") for a negative errno into buf.
void ErrnoName(int neg_errno, char* buf, size_t len);

// TypeError / RangeError with Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE.
napi_value ThrowTypeError(napi_env env, const char* message);
napi_value ThrowRangeError(napi_env env, const char* message);

// Argument readers: on bad input they throw a TypeError/RangeError naming
// `what` and return false.
bool GetInt(napi_env env, napi_value v, const char* what, int64_t min,
            int64_t max, int64_t* out);
bool GetFd(napi_env env, napi_value v, int* fd);
// A Buffer / Uint8Array (or other byte-sized typed array): data and size.
bool GetBytes(napi_env env, napi_value v, const char* what, uint8_t** data,
              size_t* len);
// A string copied into buf (NUL-terminated); `max` excludes the NUL.
bool GetString(napi_env env, napi_value v, const char* what, char* buf,
               size_t max, size_t* len);

inline napi_value Int(napi_env env, int64_t v) {
  napi_value r;
  if (v >= INT32_MIN && v <= INT32_MAX) {
    napi_create_int32(env, static_cast<int32_t>(v), &r);
  } else {
    napi_create_int64(env, v, &r);
  }
  return r;
}

inline napi_value Undefined(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

// Registers the exports of each C++ file.
void InitSyscalls(napi_env env, napi_value exports);
void InitPoller(napi_env env, napi_value exports);

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_NAPI_UTIL_H_
