// syscalls.cc: the non-blocking socket and fd system calls exported to JS.
//
// Conventions, as in libuv's src/unix/core.c: descriptors are created
// non-blocking and close-on-exec, EINTR is retried here, the expected
// outcomes of non-blocking I/O (EAGAIN/EWOULDBLOCK, EINPROGRESS) come back
// as negative errno values, and every other failure throws a system error.
// The hot calls (read, write, writev, accept) allocate nothing on success
// or EAGAIN.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "addon.h"
#include "errors.h"
#include "napi_util.h"
#include "sockaddr.h"

#ifndef MSG_NOSIGNAL
// macOS/BSD: no per-call flag; sockets we create get SO_NOSIGPIPE instead.
#define MSG_NOSIGNAL 0
#endif

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

namespace tpoller {
namespace {

bool IsAgain(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

// --- descriptor flags -------------------------------------------------------

int SetFlag(int fd, int get, int set, int flag, bool on) {
  int flags;
  do {
    flags = fcntl(fd, get);
  } while (flags == -1 && errno == EINTR);
  if (flags == -1) return -errno;
  int want = on ? (flags | flag) : (flags & ~flag);
  if (want == flags) return 0;
  int r;
  do {
    r = fcntl(fd, set, want);
  } while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : 0;
}

int SetNonBlock(int fd, bool on) {
  return SetFlag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on);
}

int SetCloExec(int fd, bool on) {
  return SetFlag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on);
}

// Platforms without SOCK_NONBLOCK/accept4 (macOS) set the flags afterwards;
// there is a window in which a fork+exec elsewhere could inherit the fd.
int FinishNewSocket(int fd) {
#if !defined(SOCK_NONBLOCK)
  int rc = SetNonBlock(fd, true);
  if (rc == 0) rc = SetCloExec(fd, true);
  if (rc != 0) return rc;
#endif
#if defined(SO_NOSIGPIPE)
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof(one));
#endif
  (void)fd;
  return 0;
}

int SockTypeFlags(int type) {
#if defined(SOCK_NONBLOCK)
  return type | SOCK_NONBLOCK | SOCK_CLOEXEC;
#else
  return type;
#endif
}

// --- argument plumbing ------------------------------------------------------

// Reads (fd, buf, offset, length) and checks that [offset, offset+length)
// lies inside buf; *data points at buf[offset].
inline bool GetFdSlice(const Napi::CallbackInfo& info, int* fd,
                       uint8_t** data, size_t* len) {
  size_t size;
  int64_t o, n;
  if (!GetFd(info[0], fd) || !GetBytes(info[1], "buf", data, &size) ||
      !GetInt(info[2], "offset", 0, INT32_MAX, &o) ||
      !GetInt(info[3], "length", 0, INT32_MAX, &n)) {
    return false;
  }
  if (static_cast<size_t>(o) > size ||
      static_cast<size_t>(n) > size - static_cast<size_t>(o)) {
    char msg[160];
    snprintf(msg, sizeof(msg),
             "offset %lld + length %lld exceeds the buffer's %zu bytes",
             static_cast<long long>(o), static_cast<long long>(n), size);
    ThrowRangeError(info.Env(), msg);
    return false;
  }
  *data += o;
  *len = static_cast<size_t>(n);
  return true;
}

// The address arguments of connect/bind, from info[1]: (address, port), or
// (path).
template <bool kUnix>
bool ReadAddress(const Napi::CallbackInfo& info, int fd, const char* syscall,
                 SockAddr* out) {
  return kUnix ? ReadUnixAddress(info[1], fd, syscall, out)
               : ReadInetAddress(info[1], info[2], fd, syscall, out);
}

// The outcome of read/write/writev (errno still that of the call): the
// byte count, -EAGAIN, or a thrown error.
inline Napi::Value IoResult(Napi::Env env, ssize_t r, const char* syscall,
                            int fd) {
  if (r >= 0) return Int(env, r);
  int e = errno;
  if (IsAgain(e)) return Int(env, -e);
  ThrowSystemError(env, -e, syscall, fd);
  return Napi::Value();
}

// --- the calls --------------------------------------------------------------

// Benchmark only: the cost of crossing into C++ and back.
void Noop(const Napi::CallbackInfo& info) { (void)info; }

Napi::Value Read(const Napi::CallbackInfo& info) {
  int fd;
  uint8_t* data;
  size_t len;
  if (!GetFdSlice(info, &fd, &data, &len)) return Napi::Value();
  ssize_t r;
  do {
    r = read(fd, data, len);
  } while (r < 0 && errno == EINTR);
  return IoResult(info.Env(), r, "read", fd);
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  int fd;
  uint8_t* data;
  size_t len;
  if (!GetFdSlice(info, &fd, &data, &len)) return Napi::Value();
  ssize_t r;
  // send(MSG_NOSIGNAL) so that EPIPE never raises SIGPIPE; pipes and files
  // answer ENOTSOCK and get plain write(2).
  do {
    r = send(fd, data, len, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK) {
    do {
      r = write(fd, data, len);
    } while (r < 0 && errno == EINTR);
  }
  return IoResult(info.Env(), r, "write", fd);
}

Napi::Value Writev(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!GetFd(info[0], &fd)) return Napi::Value();
  if (!info[1].IsArray()) {
    ThrowTypeError(env, "buffers must be an Array");
    return Napi::Value();
  }
  Napi::Array buffers = info[1].As<Napi::Array>();
  uint32_t n = buffers.Length();
  uint32_t count = n;
  if (HasArg(info, 2)) {
    int64_t c;
    if (!GetInt(info[2], "count", 0, n, &c)) return Napi::Value();
    count = static_cast<uint32_t>(c);
  }
  if (count > IOV_MAX) count = IOV_MAX;
  // Two passes. Get(i) can run JS (an accessor element, or a hole that
  // reaches a getter on Array.prototype), and that JS can detach or shrink
  // an earlier element's ArrayBuffer; a data pointer taken before it ran
  // would then point at memory that is no longer the element's. So the
  // first pass only collects handles, and the second, which runs no JS,
  // takes pointers and lengths: a buffer detached by a getter reads as 0
  // bytes. Both arrays live on the stack (8 + 16 KiB at IOV_MAX 1024); the
  // handles are plain napi_values, since an array of Napi::Value would be
  // initialised (1024 constructors) on every call.
  napi_value els[IOV_MAX];
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value el = buffers.Get(i);
    // A throwing getter: its exception is pending and propagates.
    if (el.IsEmpty()) return Napi::Value();
    els[i] = el;
  }
  iovec iov[IOV_MAX];
  for (uint32_t i = 0; i < count; i++) {
    uint8_t* data;
    size_t len;
    if (!GetBytes(Napi::Value(env, els[i]), "each element of buffers", &data,
                  &len)) {
      return Napi::Value();
    }
    iov[i].iov_base = data;
    iov[i].iov_len = len;
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  ssize_t r;
  do {
    r = sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK) {
    do {
      r = writev(fd, iov, static_cast<int>(count));
    } while (r < 0 && errno == EINTR);
  }
  return IoResult(env, r, "writev", fd);
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!GetFd(info[0], &fd)) return Napi::Value();
  sockaddr_storage scratch;
  sockaddr* sa = reinterpret_cast<sockaddr*>(&scratch);
  if (HasArg(info, 1)) {
    uint8_t* data;
    size_t size;
    if (!GetBytes(info[1], "peer", &data, &size)) return Napi::Value();
    if (size < kSockaddrSize) {
      ThrowRangeError(env,
                      "peer must hold at least SOCKADDR_SIZE (128) bytes");
      return Napi::Value();
    }
    sa = reinterpret_cast<sockaddr*>(data);
  }
  socklen_t len = static_cast<socklen_t>(kSockaddrSize);
  int r;
  do {
#if defined(SOCK_NONBLOCK)
    r = accept4(fd, sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    r = accept(fd, sa, &len);
#endif
  } while (r < 0 && errno == EINTR);
  if (r >= 0) {
    // A unix peer's path need not be NUL-terminated; terminate it so that
    // decodeSockaddr() never reads a stale tail of the caller's buffer.
    if (len < kSockaddrSize) reinterpret_cast<char*>(sa)[len] = '\0';
    int rc = FinishNewSocket(r);
    if (rc != 0) {
      close(r);
      ThrowSystemError(env, rc, "accept", fd);
      return Napi::Value();
    }
    return Int(env, r);
  }
  int e = errno;
  // ECONNABORTED: the peer gave up while queued; the next accept may work.
  if (IsAgain(e) || e == ECONNABORTED) return Int(env, -e);
  ThrowSystemError(env, -e, "accept", fd);
  return Napi::Value();
}

// connect(fd, address, port) and connectUnix(fd, path).
template <bool kUnix>
Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  SockAddr a;
  if (!GetFd(info[0], &fd) || !ReadAddress<kUnix>(info, fd, "connect", &a)) {
    return Napi::Value();
  }
  // Not retried on EINTR: POSIX lets the connection proceed asynchronously
  // then, and a retry would only see EALREADY; report it as in progress.
  if (connect(fd, a.sa(), a.len) == 0) return Int(env, 0);
  int e = errno;
  if (e == EINPROGRESS || e == EINTR) return Int(env, -EINPROGRESS);
  // A unix listener with a full backlog answers EAGAIN to a non-blocking
  // connect: retry later, like EINPROGRESS without a pending connection.
  if (IsAgain(e)) return Int(env, -e);
  ThrowSystemError(env, -e, "connect", fd, a.text, a.port);
  return Napi::Value();
}

// bind(fd, address, port) and bindUnix(fd, path).
template <bool kUnix>
void Bind(const Napi::CallbackInfo& info) {
  int fd;
  SockAddr a;
  if (!GetFd(info[0], &fd) || !ReadAddress<kUnix>(info, fd, "bind", &a)) {
    return;
  }
  if (bind(fd, a.sa(), a.len) != 0) {
    ThrowSystemError(info.Env(), -errno, "bind", fd, a.text, a.port);
  }
}

Napi::Value Socket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int domain, type;
  if (!GetI32(info[0], "domain", &domain) ||
      !GetI32(info[1], "type", &type)) {
    return Napi::Value();
  }
  int fd = socket(domain, SockTypeFlags(type), 0);
  if (fd < 0) {
    ThrowSystemError(env, -errno, "socket");
    return Napi::Value();
  }
  int rc = FinishNewSocket(fd);
  if (rc != 0) {
    close(fd);
    ThrowSystemError(env, rc, "socket");
    return Napi::Value();
  }
  return Int(env, fd);
}

// listen(fd, backlog) and shutdown(fd, how): an fd and one int argument.
void FdIntCall(const Napi::CallbackInfo& info, const char* arg_name,
               const char* syscall, int (*call)(int, int)) {
  int fd, arg;
  if (!GetFd(info[0], &fd) || !GetI32(info[1], arg_name, &arg)) return;
  if (call(fd, arg) != 0) ThrowSystemError(info.Env(), -errno, syscall, fd);
}

void Listen(const Napi::CallbackInfo& info) {
  FdIntCall(info, "backlog", "listen", ::listen);
}

void Shutdown(const Napi::CallbackInfo& info) {
  FdIntCall(info, "how", "shutdown", ::shutdown);
}

void Close(const Napi::CallbackInfo& info) {
  int fd;
  if (!GetFd(info[0], &fd)) return;
  // Never retry close(2) after EINTR: on Linux the fd is already released
  // and the number may belong to another thread's new descriptor.
  if (close(fd) != 0 && errno != EINTR && errno != EINPROGRESS) {
    ThrowSystemError(info.Env(), -errno, "close", fd);
  }
}

// The (fd, level, option) that setsockopt and getsockopt start with.
bool GetSockOptArgs(const Napi::CallbackInfo& info, int* fd, int* level,
                    int* option) {
  return GetFd(info[0], fd) && GetI32(info[1], "level", level) &&
         GetI32(info[2], "option", option);
}

void SetSockOpt(const Napi::CallbackInfo& info) {
  int fd, level, option, value;
  if (!GetSockOptArgs(info, &fd, &level, &option) ||
      !GetI32(info[3], "value", &value)) {
    return;
  }
  if (setsockopt(fd, level, option, &value, sizeof(value)) != 0) {
    ThrowSystemError(info.Env(), -errno, "setsockopt", fd);
  }
}

Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  int fd, level, option;
  if (!GetSockOptArgs(info, &fd, &level, &option)) return Napi::Value();
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, option, &value, &len) != 0) {
    ThrowSystemError(info.Env(), -errno, "getsockopt", fd);
    return Napi::Value();
  }
  return Int(info.Env(), value);
}

// getsockname(fd) and getpeername(fd).
template <bool kPeer>
Napi::Value GetName(const Napi::CallbackInfo& info) {
  int fd;
  if (!GetFd(info[0], &fd)) return Napi::Value();
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  int r = kPeer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len);
  if (r != 0) {
    const char* syscall = kPeer ? "getpeername" : "getsockname";
    ThrowSystemError(info.Env(), -errno, syscall, fd);
    return Napi::Value();
  }
  return SockaddrToObject(info.Env(), &ss, len);
}

Napi::Value DecodeSockaddr(const Napi::CallbackInfo& info) {
  uint8_t* data;
  size_t size;
  if (!GetBytes(info[0], "buf", &data, &size)) return Napi::Value();
  if (size < kSockaddrSize) {
    ThrowRangeError(info.Env(),
                    "buf must hold at least SOCKADDR_SIZE (128) bytes");
    return Napi::Value();
  }
  sockaddr_storage ss;
  memcpy(&ss, data, sizeof(ss));
  return SockaddrToObject(info.Env(), &ss, sizeof(ss));
}

// [a, b] for pipe() and socketpair().
Napi::Array Pair(Napi::Env env, const int (&fds)[2]) {
  Napi::Array arr = Napi::Array::New(env, 2);
  arr.Set(0u, Int(env, fds[0]));
  arr.Set(1u, Int(env, fds[1]));
  return arr;
}

// Closes both ends of a pair whose setup failed, and throws.
void AbandonPair(Napi::Env env, const int (&fds)[2], int rc,
                 const char* syscall) {
  close(fds[0]);
  close(fds[1]);
  ThrowSystemError(env, rc, syscall);
}

Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__)
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    ThrowSystemError(env, -errno, "pipe");
    return Napi::Value();
  }
#else
  if (pipe(fds) != 0) {
    ThrowSystemError(env, -errno, "pipe");
    return Napi::Value();
  }
  for (int i = 0; i < 2; i++) {
    int rc = SetNonBlock(fds[i], true);
    if (rc == 0) rc = SetCloExec(fds[i], true);
    if (rc != 0) {
      AbandonPair(env, fds, rc, "pipe");
      return Napi::Value();
    }
  }
#endif
  return Pair(env, fds);
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type;
  if (!GetI32(info[0], "type", &type)) return Napi::Value();
  int fds[2];
  if (socketpair(AF_UNIX, SockTypeFlags(type), 0, fds) != 0) {
    ThrowSystemError(env, -errno, "socketpair");
    return Napi::Value();
  }
  for (int i = 0; i < 2; i++) {
    int rc = FinishNewSocket(fds[i]);
    if (rc != 0) {
      AbandonPair(env, fds, rc, "socketpair");
      return Napi::Value();
    }
  }
  return Pair(env, fds);
}

// setNonBlocking(fd, on) and setCloseOnExec(fd, on).
template <bool kCloExec>
void SetFdFlag(const Napi::CallbackInfo& info) {
  int fd;
  if (!GetFd(info[0], &fd)) return;
  if (!info[1].IsBoolean()) {
    ThrowTypeError(info.Env(), "on must be a boolean");
    return;
  }
  bool on = info[1].As<Napi::Boolean>().Value();
  int rc = kCloExec ? SetCloExec(fd, on) : SetNonBlock(fd, on);
  if (rc != 0) ThrowSystemError(info.Env(), rc, "fcntl", fd);
}

Napi::Object ConstantsTable(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
#define C(name) o.Set(#name, Int(env, name));
  C(AF_INET) C(AF_INET6) C(AF_UNIX) C(SOCK_STREAM) C(SOCK_DGRAM)
  C(SOL_SOCKET) C(SO_ERROR) C(SO_REUSEADDR) C(SO_KEEPALIVE) C(SO_RCVBUF)
  C(SO_SNDBUF) C(SO_BROADCAST) C(SO_TYPE)
  C(IPPROTO_IP) C(IPPROTO_TCP) C(IPPROTO_IPV6) C(TCP_NODELAY)
  C(IPV6_V6ONLY) C(SHUT_RD) C(SHUT_WR) C(SHUT_RDWR) C(IOV_MAX)
#if defined(SO_REUSEPORT)
  C(SO_REUSEPORT)
#endif
#if defined(TCP_KEEPIDLE)
  C(TCP_KEEPIDLE)
#endif
#if defined(TCP_KEEPINTVL)
  C(TCP_KEEPINTVL)
#endif
#if defined(TCP_KEEPCNT)
  C(TCP_KEEPCNT)
#endif
#undef C
  o.Freeze();
  return o;
}

}  // namespace

void InitSyscalls(Napi::Env env, Napi::Object exports) {
  exports.DefineProperties({
      Method<Noop>(env, "noop"),
      Method<Read>(env, "read"),
      Method<Write>(env, "write"),
      Method<Writev>(env, "writev"),
      Method<Accept>(env, "accept"),
      Method<Connect<false>>(env, "connect"),
      Method<Connect<true>>(env, "connectUnix"),
      Method<Socket>(env, "socket"),
      Method<Bind<false>>(env, "bind"),
      Method<Bind<true>>(env, "bindUnix"),
      Method<Listen>(env, "listen"),
      Method<Shutdown>(env, "shutdown"),
      Method<Close>(env, "close"),
      Method<SetSockOpt>(env, "setsockopt"),
      Method<GetSockOpt>(env, "getsockopt"),
      Method<GetName<false>>(env, "getsockname"),
      Method<GetName<true>>(env, "getpeername"),
      Method<DecodeSockaddr>(env, "decodeSockaddr"),
      Method<Pipe>(env, "pipe"),
      Method<SocketPair>(env, "socketpair"),
      Method<SetFdFlag<false>>(env, "setNonBlocking"),
      Method<SetFdFlag<true>>(env, "setCloseOnExec"),
      Value("constants", ConstantsTable(env)),
      Value("SOCKADDR_SIZE", Int(env, kSockaddrSize)),
  });
}

}  // namespace tpoller
