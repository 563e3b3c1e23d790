// napi_util.h: node-addon-api helpers: argument readers, export entries.
//
// The addon speaks one dialect, node-addon-api (napi.h, C++ exceptions off:
// errors are thrown as JS exceptions and the caller returns), so that the
// hot calls and everything around them read the same way; see the README's
// "Design decisions". The readers take the cheapest route node-addon-api
// offers: one N-API call per argument on success, as raw N-API would.
#ifndef T_POLLER_NATIVE_NAPI_UTIL_H_
#define T_POLLER_NATIVE_NAPI_UTIL_H_

#include <napi.h>
#include <stddef.h>
#include <stdint.h>

namespace tpoller {

// One entry of an exports table: a function, or a fixed value. Functions go
// through node-addon-api's TemplatedCallback (no per-function data on the
// heap, no lookup per call); they are created once, here.
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::PropertyDescriptor Method(Napi::Env env, const char* name) {
  return Napi::PropertyDescriptor::Value(
      name, Napi::Function::New<Fn>(env, name), napi_enumerable);
}
template <void (*Fn)(const Napi::CallbackInfo&)>
Napi::PropertyDescriptor Method(Napi::Env env, const char* name) {
  return Napi::PropertyDescriptor::Value(
      name, Napi::Function::New<Fn>(env, name), napi_enumerable);
}
inline Napi::PropertyDescriptor Value(const char* name, Napi::Value v) {
  return Napi::PropertyDescriptor::Value(name, v, napi_enumerable);
}

// TypeError / RangeError with Node's ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE.
void ThrowTypeError(Napi::Env env, const char* message);
void ThrowRangeError(Napi::Env env, const char* message);

// Argument readers: on bad input they throw a TypeError/RangeError naming
// `what` and return false. The number readers are inline: their success
// path is one napi_get_value_double, as in raw N-API (a call of an
// out-of-line reader per argument cost ~40 instructions, ~4 % of a read()).
inline bool GetInt(const Napi::Value& v, const char* what, int64_t min,
                   int64_t max, int64_t* out);
inline bool GetI32(const Napi::Value& v, const char* what, int* out);
inline bool GetFd(const Napi::Value& v, int* fd);
// A Buffer / Uint8Array (or other byte-sized typed array): data and size.
bool GetBytes(const Napi::Value& v, const char* what, uint8_t** data,
              size_t* len);
// A string copied into buf (NUL-terminated); `max` excludes the NUL.
bool GetString(const Napi::Value& v, const char* what, char* buf, size_t max,
               size_t* len);

// The failure paths of the number readers (out of line, rarely taken).
// NotANumber replaces node-addon-api's own TypeError with one naming
// `what`; OutOfRange throws the RangeError.
void NotANumber(const Napi::Value& v, const char* what);
void OutOfRange(Napi::Env env, double d, const char* what, int64_t min,
                int64_t max);

// The number in v. For a non-number, DoubleValue() throws node-addon-api's
// own TypeError ("A number was expected") and answers 0, so only a 0 needs
// a second look (one napi_is_exception_pending); asking IsNumber() first
// would cost a napi_typeof on every argument of every call.
inline bool GetNumber(const Napi::Value& v, const char* what, double* out) {
  *out = v.As<Napi::Number>().DoubleValue();
  if (*out != 0 || !v.Env().IsExceptionPending()) return true;
  NotANumber(v, what);
  return false;
}

inline bool GetInt(const Napi::Value& v, const char* what, int64_t min,
                   int64_t max, int64_t* out) {
  double d;
  if (!GetNumber(v, what, &d)) return false;
  // Within [min, max] (both inside +-2^53) the cast is exact for integers.
  if (d >= static_cast<double>(min) && d <= static_cast<double>(max) &&
      d == static_cast<double>(static_cast<int64_t>(d))) {
    *out = static_cast<int64_t>(d);
    return true;
  }
  OutOfRange(v.Env(), d, what, min, max);
  return false;
}

inline bool GetI32(const Napi::Value& v, const char* what, int* out) {
  int64_t x;
  if (!GetInt(v, what, INT32_MIN, INT32_MAX, &x)) return false;
  *out = static_cast<int>(x);
  return true;
}

// Int32Value() alone would silently truncate 1.5 or NaN.
inline bool GetFd(const Napi::Value& v, int* fd) {
  int64_t x;
  if (!GetInt(v, "fd", 0, INT32_MAX, &x)) return false;
  *fd = static_cast<int>(x);
  return true;
}

// Whether JS passed argument i (undefined counts as not passed). Missing
// arguments cost no N-API call this way (info[i] would fetch undefined).
inline bool HasArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && !info[i].IsUndefined();
}

// A whole number for JS. node-addon-api's Number::New takes a double
// (napi_create_double); int32 values, every count and errno the hot calls
// return, go through napi_create_int32 instead, which V8 turns into a small
// integer without the double round trip (raw N-API: node-addon-api has no
// int32 constructor).
inline Napi::Number Int(Napi::Env env, int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) {
    napi_value out;
    napi_create_int32(env, static_cast<int32_t>(v), &out);
    return Napi::Number(env, out);
  }
  return Napi::Number::New(env, static_cast<double>(v));
}

inline Napi::String Str(Napi::Env env, const char* s) {
  return Napi::String::New(env, s);
}

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_NAPI_UTIL_H_
