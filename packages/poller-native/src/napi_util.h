// napi_util.h: raw N-API helpers: argument readers, export entries, values.
//
// The addon speaks one dialect, raw N-API (node_api.h), so that the hot
// calls and everything around them read the same way; see the README's
// "Design decisions".
#ifndef T_POLLER_NATIVE_NAPI_UTIL_H_
#define T_POLLER_NATIVE_NAPI_UTIL_H_

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

namespace tpoller {

// Fills argv with the first N arguments (undefined where JS passed fewer).
template <size_t N>
inline bool Args(napi_env env, napi_callback_info info,
                 napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) ==
         napi_ok;
}

// One entry of an exports table: a function, or a fixed value.
inline napi_property_descriptor Method(const char* name, napi_callback fn) {
  return {name, nullptr, fn, nullptr, nullptr, nullptr, napi_enumerable,
          nullptr};
}
inline napi_property_descriptor Value(const char* name, napi_value v) {
  return {name, nullptr, nullptr, nullptr, nullptr, v, napi_enumerable,
          nullptr};
}

// Defines every entry of `table` on `exports`.
template <size_t N>
inline void DefineExports(napi_env env, napi_value exports,
                          const napi_property_descriptor (&table)[N]) {
  napi_define_properties(env, exports, N, table);
}

// TypeError / RangeError with Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE.
// Return nullptr so that callbacks can `return ThrowTypeError(...)`.
napi_value ThrowTypeError(napi_env env, const char* message);
napi_value ThrowRangeError(napi_env env, const char* message);

// Argument readers: on bad input they throw a TypeError/RangeError naming
// `what` and return false.
bool GetInt(napi_env env, napi_value v, const char* what, int64_t min,
            int64_t max, int64_t* out);
bool GetI32(napi_env env, napi_value v, const char* what, int* out);
bool GetFd(napi_env env, napi_value v, int* fd);
// A Buffer / Uint8Array (or other byte-sized typed array): data and size.
bool GetBytes(napi_env env, napi_value v, const char* what, uint8_t** data,
              size_t* len);
// A string copied into buf (NUL-terminated); `max` excludes the NUL.
bool GetString(napi_env env, napi_value v, const char* what, char* buf,
               size_t max, size_t* len);

inline bool IsUndefined(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && t == napi_undefined;
}

inline napi_value Int(napi_env env, int64_t v) {
  napi_value r;
  if (v >= INT32_MIN && v <= INT32_MAX) {
    napi_create_int32(env, static_cast<int32_t>(v), &r);
  } else {
    napi_create_int64(env, v, &r);
  }
  return r;
}

inline napi_value Str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_NAPI_UTIL_H_
