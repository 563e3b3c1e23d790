// napi_util.cc: the argument readers and argument errors of napi_util.h.
#include "napi_util.h"

#include <math.h>
#include <stdio.h>

namespace tpoller {

namespace {

void ThrowWithCode(const Napi::Error& err, const char* code) {
  err.Set("code", code);
  err.ThrowAsJavaScriptException();
}

// The number in v. For a non-number, DoubleValue() has thrown
// node-addon-api's own TypeError ("A number was expected") and answered 0:
// that one is replaced by a TypeError naming `what`. Asking IsNumber()
// first would cost a napi_typeof on every argument of every hot call;
// this way only a 0 costs a second (cheap) call.
bool GetNumber(const Napi::Value& v, const char* what, double* out) {
  double d = v.As<Napi::Number>().DoubleValue();
  if (d == 0) {
    Napi::Env env = v.Env();
    if (env.IsExceptionPending()) {
      env.GetAndClearPendingException();
      char msg[160];
      snprintf(msg, sizeof(msg), "%s must be an integer number", what);
      ThrowTypeError(env, msg);
      return false;
    }
  }
  *out = d;
  return true;
}

bool CheckInt(Napi::Env env, double d, const char* what, int64_t min,
              int64_t max, int64_t* out) {
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

}  // namespace

void ThrowTypeError(Napi::Env env, const char* message) {
  ThrowWithCode(Napi::TypeError::New(env, message), "ERR_INVALID_ARG_TYPE");
}

void ThrowRangeError(Napi::Env env, const char* message) {
  ThrowWithCode(Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

bool GetInt(const Napi::Value& v, const char* what, int64_t min, int64_t max,
            int64_t* out) {
  double d;
  return GetNumber(v, what, &d) && CheckInt(v.Env(), d, what, min, max, out);
}

bool GetI32(const Napi::Value& v, const char* what, int* out) {
  int64_t x;
  if (!GetInt(v, what, INT32_MIN, INT32_MAX, &x)) return false;
  *out = static_cast<int>(x);
  return true;
}

bool GetFd(const Napi::Value& v, int* fd) {
  double d;
  if (!GetNumber(v, "fd", &d)) return false;
  // Fast path: a small non-negative integer. Int32Value() alone would
  // silently truncate 1.5 or NaN.
  if (d >= 0 && d <= 2147483647.0 &&
      d == static_cast<double>(static_cast<int>(d))) {
    *fd = static_cast<int>(d);
    return true;
  }
  int64_t x;
  if (!CheckInt(v.Env(), d, "fd", 0, INT32_MAX, &x)) return false;
  *fd = static_cast<int>(x);
  return true;
}

bool GetBytes(const Napi::Value& v, const char* what, uint8_t** data,
              size_t* len) {
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  napi_typedarray_type type = a.TypedArrayType();
  // A non-view has left node-addon-api's own error pending and no data; a
  // view of a detached (or empty) buffer has no data either, but no error.
  bool threw = a.Data() == nullptr && v.Env().IsExceptionPending();
  if (threw || (type != napi_uint8_array && type != napi_int8_array &&
                type != napi_uint8_clamped_array)) {
    if (threw) v.Env().GetAndClearPendingException();
    char msg[160];
    snprintf(msg, sizeof(msg), "%s must be a Buffer or Uint8Array", what);
    ThrowTypeError(v.Env(), msg);
    return false;
  }
  *data = a.Data();
  *len = a.ElementLength();
  return true;
}

bool GetString(const Napi::Value& v, const char* what, char* buf, size_t max,
               size_t* len) {
  // node-addon-api hands strings out only as std::string (Utf8Value()),
  // which allocates beyond 15 bytes; addresses and paths are copied into
  // the caller's stack buffer instead, the one thing here done in raw
  // N-API (napi_get_value_string_utf8 throws nothing on a non-string).
  napi_env env = v.Env();
  size_t n;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &n) != napi_ok) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s must be a string", what);
    ThrowTypeError(v.Env(), msg);
    return false;
  }
  if (n > max) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s is %zu bytes long; at most %zu fit", what,
             n, max);
    ThrowRangeError(v.Env(), msg);
    return false;
  }
  napi_get_value_string_utf8(env, v, buf, max + 1, &n);
  *len = n;
  return true;
}

}  // namespace tpoller
