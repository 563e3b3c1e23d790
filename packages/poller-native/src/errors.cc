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

namespace {

void SetProp(napi_env env, napi_value obj, const char* key, napi_value v) {
  napi_set_named_property(env, obj, key, v);
}

}  // namespace

napi_value MakeSystemError(napi_env env, int neg_errno, const char* syscall,
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

  napi_value js_msg, js_code, err;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok)
    return nullptr;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code);
  if (napi_create_error(env, js_code, js_msg, &err) != napi_ok) return nullptr;
  SetProp(env, err, "errno", Int(env, neg_errno));
  SetProp(env, err, "syscall", Str(env, syscall));
  if (fd >= 0) SetProp(env, err, "fd", Int(env, fd));
  if (address != nullptr) {
    SetProp(env, err, "address", Str(env, address));
    if (port >= 0) SetProp(env, err, "port", Int(env, port));
  }
  return err;
}

napi_value ThrowSystemError(napi_env env, int neg_errno, const char* syscall,
                            int fd, const char* address, int port) {
  napi_value err = MakeSystemError(env, neg_errno, syscall, fd, address, port);
  if (err != nullptr) napi_throw(env, err);
  return nullptr;
}

namespace {

// systemError(negErrno, syscall, fd?, address?, port?) -> Error: the JS
// face's door to MakeSystemError (arguments left undefined are omitted).
napi_value SystemErrorFn(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!Args(env, info, argv)) return nullptr;
  int64_t e;
  char syscall[kMaxSyscallName + 1];
  size_t n;
  if (!GetInt(env, argv[0], "errno", INT32_MIN, -1, &e) ||
      !GetString(env, argv[1], "syscall", syscall, kMaxSyscallName, &n)) {
    return nullptr;
  }
  int fd = -1;
  if (!IsUndefined(env, argv[2]) && !GetFd(env, argv[2], &fd)) return nullptr;
  char address[kMaxErrorAddress + 1];
  const char* where = nullptr;
  if (!IsUndefined(env, argv[3])) {
    if (!GetString(env, argv[3], "address", address, kMaxErrorAddress, &n)) {
      return nullptr;
    }
    where = address;
  }
  int64_t port = -1;
  if (!IsUndefined(env, argv[4]) &&
      !GetInt(env, argv[4], "port", 0, 65535, &port)) {
    return nullptr;
  }
  return MakeSystemError(env, static_cast<int>(e), syscall, fd, where,
                         static_cast<int>(port));
}

napi_value ErrnoNameFn(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  int64_t e;
  if (!GetInt(env, argv[0], "negErrno", INT32_MIN, -1, &e)) return nullptr;
  char name[64];
  ErrnoName(static_cast<int>(e), name, sizeof(name));
  return Str(env, name);
}

napi_value ErrnoTable(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
#define E(name) SetProp(env, o, #name, Int(env, name));
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
  napi_object_freeze(env, o);
  return o;
}

}  // namespace

void InitErrors(napi_env env, napi_value exports) {
  const napi_property_descriptor table[] = {
      Method("systemError", SystemErrorFn),
      Method("errnoName", ErrnoNameFn),
      Value("errno", ErrnoTable(env)),
  };
  DefineExports(env, exports, table);
}

}  // namespace tpoller
