// errors.cc: Node-shaped system errors, errno names and the errno table.
//
// MakeSystemError is the only place that formats a kernel error: the
// addon's failing calls throw what it builds, and the JS face's
// systemError() (for errors learned through SO_ERROR) calls it too, so
// both kinds carry the same message and properties.
#include "errors.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "addon.h"
#include "napi_util.h"

namespace tpoller {

void ErrnoName(int neg_errno, char* buf, size_t len) {
  // libuv's codes are negated errno values on Unix. The _r variants do not
  // leak for unknown codes, unlike uv_err_name().
  uv_err_name_r(neg_errno, buf, len);
}

Napi::Error MakeSystemError(Napi::Env env, int neg_errno, const char* syscall,
                            int fd, const char* address, int port) {
  char code[64];
  char desc[128];
  ErrnoName(neg_errno, code, sizeof(code));
  uv_strerror_r(neg_errno, desc, sizeof(desc));

  char where[400] = "";
  size_t off = 0;
  if (address != nullptr) {
    bool v6 = strchr(address, ':') != nullptr;
    if (port >= 0) {
      off += snprintf(where + off, sizeof(where) - off,
                      v6 ? " [%s]:%d" : " %s:%d", address, port);
    } else {
      off += snprintf(where + off, sizeof(where) - off, " %s", address);
    }
  }
  if (fd >= 0 && off < sizeof(where)) {
    snprintf(where + off, sizeof(where) - off, " (fd %d)", fd);
  }
  char msg[700];
  snprintf(msg, sizeof(msg), "%s %s%s: %s", syscall, code, where, desc);

  Napi::Error err = Napi::Error::New(env, msg);
  err.Set("code", code);
  err.Set("errno", Int(env, neg_errno));
  err.Set("syscall", syscall);
  if (fd >= 0) err.Set("fd", Int(env, fd));
  if (address != nullptr) {
    err.Set("address", address);
    if (port >= 0) err.Set("port", Int(env, port));
  }
  return err;
}

void ThrowSystemError(Napi::Env env, int neg_errno, const char* syscall,
                      int fd, const char* address, int port) {
  MakeSystemError(env, neg_errno, syscall, fd, address, port)
      .ThrowAsJavaScriptException();
}

namespace {

// systemError(negErrno, syscall, fd?, address?, port?) -> Error: the JS
// face's door to MakeSystemError (arguments left undefined are omitted).
Napi::Value SystemErrorFn(const Napi::CallbackInfo& info) {
  int64_t e;
  char syscall[kMaxSyscallName + 1];
  size_t n;
  if (!GetInt(info[0], "errno", INT32_MIN, -1, &e) ||
      !GetString(info[1], "syscall", syscall, kMaxSyscallName, &n)) {
    return Napi::Value();
  }
  int fd = -1;
  if (HasArg(info, 2) && !GetFd(info[2], &fd)) return Napi::Value();
  char address[kMaxErrorAddress + 1];
  const char* where = nullptr;
  if (HasArg(info, 3)) {
    if (!GetString(info[3], "address", address, kMaxErrorAddress, &n)) {
      return Napi::Value();
    }
    where = address;
  }
  int64_t port = -1;
  if (HasArg(info, 4) && !GetInt(info[4], "port", 0, 65535, &port)) {
    return Napi::Value();
  }
  return MakeSystemError(info.Env(), static_cast<int>(e), syscall, fd, where,
                         static_cast<int>(port))
      .Value();
}

Napi::Value ErrnoNameFn(const Napi::CallbackInfo& info) {
  int64_t e;
  if (!GetInt(info[0], "negErrno", INT32_MIN, -1, &e)) return Napi::Value();
  char name[64];
  ErrnoName(static_cast<int>(e), name, sizeof(name));
  return Str(info.Env(), name);
}

Napi::Object ErrnoTable(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
#define E(name) o.Set(#name, Int(env, name));
  E(EPERM) E(ENOENT) E(EINTR) E(EIO) E(EBADF) E(EAGAIN) E(EWOULDBLOCK)
  E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(ENOTDIR) E(EISDIR)
  E(EINVAL) E(ENFILE) E(EMFILE) E(ENOSPC) E(ESPIPE) E(EPIPE) E(ERANGE)
  E(ENAMETOOLONG) E(ENOSYS) E(ELOOP) E(ENOTSOCK) E(EDESTADDRREQ)
  E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT) E(EPROTONOSUPPORT)
  E(EOPNOTSUPP) E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ENETDOWN)
  E(ENETUNREACH) E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS) E(EISCONN)
  E(ENOTCONN) E(ETIMEDOUT) E(ECONNREFUSED) E(EHOSTUNREACH) E(EALREADY)
  E(EINPROGRESS) E(ECANCELED) E(EPROTO)
#undef E
  o.Freeze();
  return o;
}

}  // namespace

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.DefineProperties({
      Method<SystemErrorFn>(env, "systemError"),
      Method<ErrnoNameFn>(env, "errnoName"),
      Value("errno", ErrnoTable(env)),
  });
}

}  // namespace tpoller
