// napi_util.cc: the argument readers and argument errors of napi_util.h.
#include "napi_util.h"

#include <stdio.h>

namespace tpoller {

namespace {

void ThrowWithCode(const Napi::Error& err, const char* code) {
  err.Set("code", code);
  err.ThrowAsJavaScriptException();
}

}  // namespace

void ThrowTypeError(Napi::Env env, const char* message) {
  ThrowWithCode(Napi::TypeError::New(env, message), "ERR_INVALID_ARG_TYPE");
}

void ThrowRangeError(Napi::Env env, const char* message) {
  ThrowWithCode(Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

void NotANumber(const Napi::Value& v, const char* what) {
  Napi::Env env = v.Env();
  env.GetAndClearPendingException();
  char msg[160];
  snprintf(msg, sizeof(msg), "%s must be an integer number", what);
  ThrowTypeError(env, msg);
}

void OutOfRange(Napi::Env env, double d, const char* what, int64_t min,
                int64_t max) {
  char msg[200];
  snprintf(msg, sizeof(msg), "%s must be an integer in %lld..%lld, got %g",
           what, static_cast<long long>(min), static_cast<long long>(max), d);
  ThrowRangeError(env, msg);
}

bool GetBytes(const Napi::Value& v, const char* what, uint8_t** data,
              size_t* len) {
  // One raw napi_get_typedarray_info: node-addon-api's Uint8Array/Buffer
  // constructor asks N-API twice (the TypedArray base for type and length,
  // then again for the data), ~150 instructions more per buffer argument
  // (~12 % of a read()), and throws its own error for a non-view.
  napi_typedarray_type type;
  size_t length;
  void* p;
  if (napi_get_typedarray_info(v.Env(), v, &type, &length, &p, nullptr,
                               nullptr) != napi_ok ||
      (type != napi_uint8_array && type != napi_int8_array &&
       type != napi_uint8_clamped_array)) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s must be a Buffer or Uint8Array", what);
    ThrowTypeError(v.Env(), msg);
    return false;
  }
  *data = static_cast<uint8_t*>(p);
  *len = length;
  return true;
}

bool GetString(const Napi::Value& v, const char* what, char* buf, size_t max,
               size_t* len) {
  // node-addon-api hands strings out only as std::string (Utf8Value()),
  // which allocates beyond 15 bytes; addresses and paths are copied into
  // the caller's stack buffer instead with raw napi_get_value_string_utf8
  // (which, unlike the wrappers, throws nothing on a non-string).
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
