// napi_util.cc: the argument readers and argument errors of napi_util.h.
#include "napi_util.h"

#include <math.h>
#include <stdio.h>

namespace tpoller {

napi_value ThrowTypeError(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return nullptr;
}

napi_value ThrowRangeError(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return nullptr;
}

bool GetInt(napi_env env, napi_value v, const char* what, int64_t min,
            int64_t max, int64_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s must be an integer number", what);
    ThrowTypeError(env, msg);
    return false;
  }
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) ||
      d != floor(d)) {
    char msg[200];
    snprintf(msg, sizeof(msg), "%s must be an integer in %lld..%lld, got %g",
             what, static_cast<long long>(min), static_cast<long long>(max),
             d);
    ThrowRangeError(env, msg);
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool GetI32(napi_env env, napi_value v, const char* what, int* out) {
  int64_t x;
  if (!GetInt(env, v, what, INT32_MIN, INT32_MAX, &x)) return false;
  *out = static_cast<int>(x);
  return true;
}

bool GetFd(napi_env env, napi_value v, int* fd) {
  // Fast path: most fds arrive as small integers, which V8 stores as Smis;
  // napi_get_value_int32 alone would silently truncate 1.5 or NaN.
  double d;
  if (napi_get_value_double(env, v, &d) == napi_ok && d >= 0 &&
      d <= 2147483647.0 && d == static_cast<double>(static_cast<int>(d))) {
    *fd = static_cast<int>(d);
    return true;
  }
  int64_t x;
  if (!GetInt(env, v, "fd", 0, INT32_MAX, &x)) return false;
  *fd = static_cast<int>(x);
  return true;
}

bool GetBytes(napi_env env, napi_value v, const char* what, uint8_t** data,
              size_t* len) {
  napi_typedarray_type type;
  size_t length;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, nullptr,
                               nullptr) != napi_ok ||
      (type != napi_uint8_array && type != napi_int8_array &&
       type != napi_uint8_clamped_array)) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s must be a Buffer or Uint8Array", what);
    ThrowTypeError(env, msg);
    return false;
  }
  *data = static_cast<uint8_t*>(p);
  *len = length;
  return true;
}

bool GetString(napi_env env, napi_value v, const char* what, char* buf,
               size_t max, size_t* len) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s must be a string", what);
    ThrowTypeError(env, msg);
    return false;
  }
  if (n > max) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s is %zu bytes long; at most %zu fit", what,
             n, max);
    ThrowRangeError(env, msg);
    return false;
  }
  napi_get_value_string_utf8(env, v, buf, max + 1, &n);
  *len = n;
  return true;
}

}  // namespace tpoller
