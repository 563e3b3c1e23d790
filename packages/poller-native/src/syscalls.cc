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
inline bool GetFdSlice(napi_env env, napi_callback_info info, int* fd,
                       uint8_t** data, size_t* len) {
  napi_value argv[4];
  if (!Args(env, info, argv)) return false;
  size_t size;
  int64_t o, n;
  if (!GetFd(env, argv[0], fd) ||
      !GetBytes(env, argv[1], "buf", data, &size) ||
      !GetInt(env, argv[2], "offset", 0, INT32_MAX, &o) ||
      !GetInt(env, argv[3], "length", 0, INT32_MAX, &n)) {
    return false;
  }
  if (static_cast<size_t>(o) > size ||
      static_cast<size_t>(n) > size - static_cast<size_t>(o)) {
    char msg[160];
    snprintf(msg, sizeof(msg),
             "offset %lld + length %lld exceeds the buffer's %zu bytes",
             static_cast<long long>(o), static_cast<long long>(n), size);
    ThrowRangeError(env, msg);
    return false;
  }
  *data += o;
  *len = static_cast<size_t>(n);
  return true;
}

// The address arguments of connect/bind: (address, port), or (path).
template <bool kUnix>
bool ReadAddress(napi_env env, const napi_value* argv, int fd,
                 const char* syscall, SockAddr* out) {
  return kUnix ? ReadUnixAddress(env, argv[0], fd, syscall, out)
               : ReadInetAddress(env, argv[0], argv[1], fd, syscall, out);
}

// The outcome of read/write/writev (errno still that of the call): the
// byte count, -EAGAIN, or a thrown error.
inline napi_value IoResult(napi_env env, ssize_t r, const char* syscall,
                           int fd) {
  if (r >= 0) return Int(env, r);
  int e = errno;
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, syscall, fd);
}

// --- the calls --------------------------------------------------------------

// Benchmark only: the cost of crossing into C++ and back.
napi_value Noop(napi_env env, napi_callback_info info) {
  (void)info;
  return nullptr;
}

napi_value Read(napi_env env, napi_callback_info info) {
  int fd;
  uint8_t* data;
  size_t len;
  if (!GetFdSlice(env, info, &fd, &data, &len)) return nullptr;
  ssize_t r;
  do {
    r = read(fd, data, len);
  } while (r < 0 && errno == EINTR);
  return IoResult(env, r, "read", fd);
}

napi_value Write(napi_env env, napi_callback_info info) {
  int fd;
  uint8_t* data;
  size_t len;
  if (!GetFdSlice(env, info, &fd, &data, &len)) return nullptr;
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
  return IoResult(env, r, "write", fd);
}

napi_value Writev(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  if (!GetFd(env, argv[0], &fd)) return nullptr;
  bool is_array = false;
  napi_is_array(env, argv[1], &is_array);
  if (!is_array) return ThrowTypeError(env, "buffers must be an Array");
  uint32_t n;
  napi_get_array_length(env, argv[1], &n);
  uint32_t count = n;
  if (!IsUndefined(env, argv[2])) {
    int64_t c;
    if (!GetInt(env, argv[2], "count", 0, n, &c)) return nullptr;
    count = static_cast<uint32_t>(c);
  }
  if (count > IOV_MAX) count = IOV_MAX;
  // Two passes. napi_get_element can run JS (an accessor element, or a hole
  // that reaches a getter on Array.prototype), and that JS can detach or
  // shrink an earlier element's ArrayBuffer; a data pointer taken before it
  // ran would then point at memory that is no longer the element's. So the
  // first pass only collects handles, and the second, which runs no JS,
  // takes pointers and lengths: a buffer detached by a getter reads as 0
  // bytes. Both arrays live on the stack (8 + 16 KiB at IOV_MAX 1024).
  napi_value els[IOV_MAX];
  for (uint32_t i = 0; i < count; i++) {
    if (napi_get_element(env, argv[1], i, &els[i]) != napi_ok) {
      // A throwing getter: its exception is pending and propagates.
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) return nullptr;
      return ThrowTypeError(env, "buffers could not be read");
    }
  }
  iovec iov[IOV_MAX];
  for (uint32_t i = 0; i < count; i++) {
    uint8_t* data;
    size_t len;
    if (!GetBytes(env, els[i], "each element of buffers", &data, &len)) {
      return nullptr;
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

napi_value Accept(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  if (!GetFd(env, argv[0], &fd)) return nullptr;
  sockaddr_storage scratch;
  sockaddr* sa = reinterpret_cast<sockaddr*>(&scratch);
  if (!IsUndefined(env, argv[1])) {
    uint8_t* data;
    size_t size;
    if (!GetBytes(env, argv[1], "peer", &data, &size)) return nullptr;
    if (size < kSockaddrSize) {
      return ThrowRangeError(
          env, "peer must hold at least SOCKADDR_SIZE (128) bytes");
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
      return ThrowSystemError(env, rc, "accept", fd);
    }
    return Int(env, r);
  }
  int e = errno;
  // ECONNABORTED: the peer gave up while queued; the next accept may work.
  if (IsAgain(e) || e == ECONNABORTED) return Int(env, -e);
  return ThrowSystemError(env, -e, "accept", fd);
}

// connect(fd, address, port) and connectUnix(fd, path).
template <bool kUnix>
napi_value Connect(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  SockAddr a;
  if (!GetFd(env, argv[0], &fd) ||
      !ReadAddress<kUnix>(env, argv + 1, fd, "connect", &a)) {
    return nullptr;
  }
  // Not retried on EINTR: POSIX lets the connection proceed asynchronously
  // then, and a retry would only see EALREADY; report it as in progress.
  if (connect(fd, a.sa(), a.len) == 0) return Int(env, 0);
  int e = errno;
  if (e == EINPROGRESS || e == EINTR) return Int(env, -EINPROGRESS);
  // A unix listener with a full backlog answers EAGAIN to a non-blocking
  // connect: retry later, like EINPROGRESS without a pending connection.
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, "connect", fd, a.text, a.port);
}

// bind(fd, address, port) and bindUnix(fd, path).
template <bool kUnix>
napi_value Bind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  SockAddr a;
  if (!GetFd(env, argv[0], &fd) ||
      !ReadAddress<kUnix>(env, argv + 1, fd, "bind", &a)) {
    return nullptr;
  }
  if (bind(fd, a.sa(), a.len) != 0) {
    return ThrowSystemError(env, -errno, "bind", fd, a.text, a.port);
  }
  return nullptr;
}

napi_value Socket(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int domain, type;
  if (!GetI32(env, argv[0], "domain", &domain) ||
      !GetI32(env, argv[1], "type", &type)) {
    return nullptr;
  }
  int fd = socket(domain, SockTypeFlags(type), 0);
  if (fd < 0) return ThrowSystemError(env, -errno, "socket");
  int rc = FinishNewSocket(fd);
  if (rc != 0) {
    close(fd);
    return ThrowSystemError(env, rc, "socket");
  }
  return Int(env, fd);
}

// listen(fd, backlog) and shutdown(fd, how): an fd and one int argument.
napi_value FdIntCall(napi_env env, napi_callback_info info,
                     const char* arg_name, const char* syscall,
                     int (*call)(int, int)) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd, arg;
  if (!GetFd(env, argv[0], &fd) || !GetI32(env, argv[1], arg_name, &arg)) {
    return nullptr;
  }
  if (call(fd, arg) != 0) return ThrowSystemError(env, -errno, syscall, fd);
  return nullptr;
}

napi_value Listen(napi_env env, napi_callback_info info) {
  return FdIntCall(env, info, "backlog", "listen", ::listen);
}

napi_value Shutdown(napi_env env, napi_callback_info info) {
  return FdIntCall(env, info, "how", "shutdown", ::shutdown);
}

napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  if (!GetFd(env, argv[0], &fd)) return nullptr;
  // Never retry close(2) after EINTR: on Linux the fd is already released
  // and the number may belong to another thread's new descriptor.
  if (close(fd) != 0 && errno != EINTR && errno != EINPROGRESS) {
    return ThrowSystemError(env, -errno, "close", fd);
  }
  return nullptr;
}

// The (fd, level, option) that setsockopt and getsockopt start with.
bool GetSockOptArgs(napi_env env, const napi_value* argv, int* fd,
                    int* level, int* option) {
  return GetFd(env, argv[0], fd) && GetI32(env, argv[1], "level", level) &&
         GetI32(env, argv[2], "option", option);
}

napi_value SetSockOpt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!Args(env, info, argv)) return nullptr;
  int fd, level, option, value;
  if (!GetSockOptArgs(env, argv, &fd, &level, &option) ||
      !GetI32(env, argv[3], "value", &value)) {
    return nullptr;
  }
  if (setsockopt(fd, level, option, &value, sizeof(value)) != 0) {
    return ThrowSystemError(env, -errno, "setsockopt", fd);
  }
  return nullptr;
}

napi_value GetSockOpt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  int fd, level, option;
  if (!GetSockOptArgs(env, argv, &fd, &level, &option)) return nullptr;
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, option, &value, &len) != 0) {
    return ThrowSystemError(env, -errno, "getsockopt", fd);
  }
  return Int(env, value);
}

// getsockname(fd) and getpeername(fd).
template <bool kPeer>
napi_value GetName(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  if (!GetFd(env, argv[0], &fd)) return nullptr;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  int r = kPeer ? getpeername(fd, sa, &len) : getsockname(fd, sa, &len);
  if (r != 0) {
    const char* syscall = kPeer ? "getpeername" : "getsockname";
    return ThrowSystemError(env, -errno, syscall, fd);
  }
  return SockaddrToObject(env, &ss, len);
}

napi_value DecodeSockaddr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  uint8_t* data;
  size_t size;
  if (!GetBytes(env, argv[0], "buf", &data, &size)) return nullptr;
  if (size < kSockaddrSize) {
    return ThrowRangeError(
        env, "buf must hold at least SOCKADDR_SIZE (128) bytes");
  }
  sockaddr_storage ss;
  memcpy(&ss, data, sizeof(ss));
  return SockaddrToObject(env, &ss, sizeof(ss));
}

// [a, b] for pipe() and socketpair().
napi_value Pair(napi_env env, const int (&fds)[2]) {
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, Int(env, fds[0]));
  napi_set_element(env, arr, 1, Int(env, fds[1]));
  return arr;
}

// Closes both ends of a pair whose setup failed, and throws.
napi_value AbandonPair(napi_env env, const int (&fds)[2], int rc,
                       const char* syscall) {
  close(fds[0]);
  close(fds[1]);
  return ThrowSystemError(env, rc, syscall);
}

napi_value Pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__)
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    return ThrowSystemError(env, -errno, "pipe");
  }
#else
  if (pipe(fds) != 0) return ThrowSystemError(env, -errno, "pipe");
  for (int i = 0; i < 2; i++) {
    int rc = SetNonBlock(fds[i], true);
    if (rc == 0) rc = SetCloExec(fds[i], true);
    if (rc != 0) return AbandonPair(env, fds, rc, "pipe");
  }
#endif
  return Pair(env, fds);
}

napi_value SocketPair(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  int type;
  if (!GetI32(env, argv[0], "type", &type)) return nullptr;
  int fds[2];
  if (socketpair(AF_UNIX, SockTypeFlags(type), 0, fds) != 0) {
    return ThrowSystemError(env, -errno, "socketpair");
  }
  for (int i = 0; i < 2; i++) {
    int rc = FinishNewSocket(fds[i]);
    if (rc != 0) return AbandonPair(env, fds, rc, "socketpair");
  }
  return Pair(env, fds);
}

// setNonBlocking(fd, on) and setCloseOnExec(fd, on).
template <bool kCloExec>
napi_value SetFdFlag(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  if (!GetFd(env, argv[0], &fd)) return nullptr;
  bool on;
  if (napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    return ThrowTypeError(env, "on must be a boolean");
  }
  int rc = kCloExec ? SetCloExec(fd, on) : SetNonBlock(fd, on);
  if (rc != 0) return ThrowSystemError(env, rc, "fcntl", fd);
  return nullptr;
}

napi_value ConstantsTable(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
#define C(name) napi_set_named_property(env, o, #name, Int(env, name));
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
  napi_object_freeze(env, o);
  return o;
}

}  // namespace

void InitSyscalls(napi_env env, napi_value exports) {
  const napi_property_descriptor table[] = {
      Method("noop", Noop),
      Method("read", Read),
      Method("write", Write),
      Method("writev", Writev),
      Method("accept", Accept),
      Method("connect", Connect<false>),
      Method("connectUnix", Connect<true>),
      Method("socket", Socket),
      Method("bind", Bind<false>),
      Method("bindUnix", Bind<true>),
      Method("listen", Listen),
      Method("shutdown", Shutdown),
      Method("close", Close),
      Method("setsockopt", SetSockOpt),
      Method("getsockopt", GetSockOpt),
      Method("getsockname", GetName<false>),
      Method("getpeername", GetName<true>),
      Method("decodeSockaddr", DecodeSockaddr),
      Method("pipe", Pipe),
      Method("socketpair", SocketPair),
      Method("setNonBlocking", SetFdFlag<false>),
      Method("setCloseOnExec", SetFdFlag<true>),
      Value("constants", ConstantsTable(env)),
      Value("SOCKADDR_SIZE", Int(env, kSockaddrSize)),
  };
  DefineExports(env, exports, table);
}

}  // namespace tpoller
