// syscalls.cc: non-blocking socket and fd system calls exported to JS (read/write/accept/connect/...).
//
// Conventions, as in libuv's src/unix/core.c: descriptors are created
// non-blocking and close-on-exec, EINTR is retried here, the expected
// outcomes of non-blocking I/O (EAGAIN/EWOULDBLOCK, EINPROGRESS) come back
// as negative errno values, and every other failure throws a system error.
// The hot calls (read, write, writev, accept) use raw napi and allocate
// nothing on success or EAGAIN.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "napi_util.h"

#ifndef MSG_NOSIGNAL
// macOS/BSD: no per-call flag; sockets we create get SO_NOSIGPIPE instead.
#define MSG_NOSIGNAL 0
#endif

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

namespace tpoller {
namespace {

constexpr size_t kSockaddrSize = sizeof(sockaddr_storage);  // 128
static_assert(kSockaddrSize == 128, "SOCKADDR_SIZE is part of the API");

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

// --- addresses --------------------------------------------------------------

// Parses a numeric IPv4/IPv6 literal (IPv6 may carry a %scope).
bool ParseAddress(const char* addr, int port, sockaddr_storage* ss,
                  socklen_t* len) {
  memset(ss, 0, sizeof(*ss));
  if (strchr(addr, ':') == nullptr) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ss);
    if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) return false;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof(*sin);
    return true;
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(ss);
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  snprintf(host, sizeof(host), "%s", addr);
  char* scope = strchr(host, '%');
  if (scope != nullptr) {
    *scope++ = '\0';
    unsigned idx = if_nametoindex(scope);
    if (idx == 0) {
      char* end;
      unsigned long n = strtoul(scope, &end, 10);
      if (*scope == '\0' || *end != '\0') return false;
      idx = static_cast<unsigned>(n);
    }
    sin6->sin6_scope_id = idx;
  }
  if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) return false;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<uint16_t>(port));
  *len = sizeof(*sin6);
  return true;
}

bool ParseUnix(const char* path, size_t n, sockaddr_un* sun, socklen_t* len) {
  memset(sun, 0, sizeof(*sun));
  if (n == 0 || n >= sizeof(sun->sun_path)) return false;
  sun->sun_family = AF_UNIX;
  memcpy(sun->sun_path, path, n);
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + 1);
  return true;
}

napi_value Str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

// { family: "IPv4" | "IPv6" | "unix", address, port }, like net's address().
napi_value SockaddrToObject(napi_env env, const sockaddr_storage* ss,
                            socklen_t len) {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";
  const char* family = "unix";
  int port = 0;
  napi_value address = nullptr;
  if (ss->ss_family == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(ss);
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
    family = "IPv4";
    port = ntohs(sin->sin_port);
  } else if (ss->ss_family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
    if (sin6->sin6_scope_id != 0) {
      size_t n = strlen(buf);
      char name[IF_NAMESIZE];
      if (if_indextoname(sin6->sin6_scope_id, name) != nullptr) {
        snprintf(buf + n, sizeof(buf) - n, "%%%s", name);
      } else {
        snprintf(buf + n, sizeof(buf) - n, "%%%u", sin6->sin6_scope_id);
      }
    }
    family = "IPv6";
    port = ntohs(sin6->sin6_port);
  } else if (ss->ss_family == AF_UNIX) {
    auto* sun = reinterpret_cast<const sockaddr_un*>(ss);
    size_t off = offsetof(sockaddr_un, sun_path);
    size_t max = len > off ? len - off : 0;
    if (max > sizeof(sun->sun_path)) max = sizeof(sun->sun_path);
    // Unnamed sockets (socketpair, unbound clients) have an empty path.
    size_t n = strnlen(sun->sun_path, max);
    napi_create_string_utf8(env, sun->sun_path, n, &address);
  } else {
    family = "unknown";
  }
  if (address == nullptr) address = Str(env, buf);
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "family", Str(env, family));
  napi_set_named_property(env, obj, "address", address);
  napi_set_named_property(env, obj, "port", Int(env, port));
  return obj;
}

// --- argument plumbing ------------------------------------------------------

template <size_t N>
bool Args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) ==
         napi_ok;
}

// Checks that [offset, offset+length) lies inside a buffer of `size` bytes.
bool GetSlice(napi_env env, napi_value off_v, napi_value len_v, size_t size,
              size_t* off, size_t* len) {
  int64_t o, n;
  if (!GetInt(env, off_v, "offset", 0, INT32_MAX, &o)) return false;
  if (!GetInt(env, len_v, "length", 0, INT32_MAX, &n)) return false;
  if (static_cast<size_t>(o) > size ||
      static_cast<size_t>(n) > size - static_cast<size_t>(o)) {
    char msg[160];
    snprintf(msg, sizeof(msg),
             "offset %lld + length %lld exceeds the buffer's %zu bytes",
             static_cast<long long>(o), static_cast<long long>(n), size);
    ThrowRangeError(env, msg);
    return false;
  }
  *off = static_cast<size_t>(o);
  *len = static_cast<size_t>(n);
  return true;
}

bool GetPort(napi_env env, napi_value v, int* port) {
  int64_t p;
  if (!GetInt(env, v, "port", 0, 65535, &p)) return false;
  *port = static_cast<int>(p);
  return true;
}

bool GetI32(napi_env env, napi_value v, const char* what, int* out) {
  int64_t x;
  if (!GetInt(env, v, what, INT32_MIN, INT32_MAX, &x)) return false;
  *out = static_cast<int>(x);
  return true;
}

// --- the calls --------------------------------------------------------------

// Benchmark only: the cost of crossing into C++ and back.
napi_value Noop(napi_env env, napi_callback_info info) {
  (void)info;
  return nullptr;
}

napi_value Read(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  uint8_t* data;
  size_t size, off, len;
  if (!GetFd(env, argv[0], &fd) || !GetBytes(env, argv[1], "buf", &data, &size) ||
      !GetSlice(env, argv[2], argv[3], size, &off, &len)) {
    return nullptr;
  }
  ssize_t r;
  do {
    r = read(fd, data + off, len);
  } while (r < 0 && errno == EINTR);
  if (r >= 0) return Int(env, r);
  int e = errno;
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, "read", fd);
}

napi_value Write(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  uint8_t* data;
  size_t size, off, len;
  if (!GetFd(env, argv[0], &fd) || !GetBytes(env, argv[1], "buf", &data, &size) ||
      !GetSlice(env, argv[2], argv[3], size, &off, &len)) {
    return nullptr;
  }
  const char* syscall = "write";
  ssize_t r;
  // send(MSG_NOSIGNAL) so that EPIPE never raises SIGPIPE; pipes and files
  // answer ENOTSOCK and get plain write(2).
  do {
    r = send(fd, data + off, len, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK) {
    do {
      r = write(fd, data + off, len);
    } while (r < 0 && errno == EINTR);
  }
  if (r >= 0) return Int(env, r);
  int e = errno;
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, syscall, fd);
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
  napi_valuetype t;
  napi_typeof(env, argv[2], &t);
  uint32_t count = n;
  if (t != napi_undefined) {
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
      return pending ? nullptr : ThrowTypeError(env, "buffers could not be read");
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
  const char* syscall = "writev";
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
  if (r >= 0) return Int(env, r);
  int e = errno;
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, syscall, fd);
}

napi_value Accept(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  if (!GetFd(env, argv[0], &fd)) return nullptr;
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  sockaddr_storage scratch;
  sockaddr* sa = reinterpret_cast<sockaddr*>(&scratch);
  size_t size = sizeof(scratch);
  if (t != napi_undefined) {
    uint8_t* data;
    if (!GetBytes(env, argv[1], "peer", &data, &size)) return nullptr;
    if (size < kSockaddrSize) {
      return ThrowRangeError(env, "peer must hold at least SOCKADDR_SIZE (128) bytes");
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

napi_value Connect(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  int fd, port;
  char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t n;
  if (!GetFd(env, argv[0], &fd) ||
      !GetString(env, argv[1], "address", addr, sizeof(addr) - 1, &n) ||
      !GetPort(env, argv[2], &port)) {
    return nullptr;
  }
  sockaddr_storage ss;
  socklen_t len;
  if (!ParseAddress(addr, port, &ss, &len)) {
    return ThrowSystemError(env, -EINVAL, "connect", fd, addr, port);
  }
  // Not retried on EINTR: POSIX lets the connection proceed asynchronously
  // then, and a retry would only see EALREADY; report it as in progress.
  int r = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  if (r == 0) return Int(env, 0);
  int e = errno;
  if (e == EINPROGRESS || e == EINTR) return Int(env, -EINPROGRESS);
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, "connect", fd, addr, port);
}

napi_value ConnectUnix(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  char path[sizeof(sockaddr_un::sun_path)];
  size_t n;
  if (!GetFd(env, argv[0], &fd) ||
      !GetString(env, argv[1], "path", path, sizeof(path) - 1, &n)) {
    return nullptr;
  }
  sockaddr_un sun;
  socklen_t len;
  if (!ParseUnix(path, n, &sun, &len)) {
    return ThrowSystemError(env, -EINVAL, "connect", fd, path);
  }
  int r = connect(fd, reinterpret_cast<sockaddr*>(&sun), len);
  if (r == 0) return Int(env, 0);
  int e = errno;
  if (e == EINPROGRESS || e == EINTR) return Int(env, -EINPROGRESS);
  // A unix listener with a full backlog answers EAGAIN to a non-blocking
  // connect: retry later, like EINPROGRESS without a pending connection.
  if (IsAgain(e)) return Int(env, -e);
  return ThrowSystemError(env, -e, "connect", fd, path);
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

napi_value Bind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, argv)) return nullptr;
  int fd, port;
  char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t n;
  if (!GetFd(env, argv[0], &fd) ||
      !GetString(env, argv[1], "address", addr, sizeof(addr) - 1, &n) ||
      !GetPort(env, argv[2], &port)) {
    return nullptr;
  }
  sockaddr_storage ss;
  socklen_t len;
  if (!ParseAddress(addr, port, &ss, &len)) {
    return ThrowSystemError(env, -EINVAL, "bind", fd, addr, port);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return ThrowSystemError(env, -errno, "bind", fd, addr, port);
  }
  return nullptr;
}

napi_value BindUnix(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd;
  char path[sizeof(sockaddr_un::sun_path)];
  size_t n;
  if (!GetFd(env, argv[0], &fd) ||
      !GetString(env, argv[1], "path", path, sizeof(path) - 1, &n)) {
    return nullptr;
  }
  sockaddr_un sun;
  socklen_t len;
  if (!ParseUnix(path, n, &sun, &len)) {
    return ThrowSystemError(env, -EINVAL, "bind", fd, path);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&sun), len) != 0) {
    return ThrowSystemError(env, -errno, "bind", fd, path);
  }
  return nullptr;
}

// listen(fd, backlog) and shutdown(fd, how): an fd, one int argument, 0 or a thrown error.
napi_value FdIntCall(napi_env env, napi_callback_info info, const char* arg_name,
                     const char* syscall, int (*call)(int, int)) {
  napi_value argv[2];
  if (!Args(env, info, argv)) return nullptr;
  int fd, arg;
  if (!GetFd(env, argv[0], &fd) || !GetI32(env, argv[1], arg_name, &arg)) return nullptr;
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

napi_value SetSockOpt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!Args(env, info, argv)) return nullptr;
  int fd, level, option, value;
  if (!GetFd(env, argv[0], &fd) || !GetI32(env, argv[1], "level", &level) ||
      !GetI32(env, argv[2], "option", &option) ||
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
  if (!GetFd(env, argv[0], &fd) || !GetI32(env, argv[1], "level", &level) ||
      !GetI32(env, argv[2], "option", &option)) {
    return nullptr;
  }
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, option, &value, &len) != 0) {
    return ThrowSystemError(env, -errno, "getsockopt", fd);
  }
  return Int(env, value);
}

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
    return ThrowSystemError(env, -errno, kPeer ? "getpeername" : "getsockname",
                            fd);
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
    return ThrowRangeError(env, "buf must hold at least SOCKADDR_SIZE (128) bytes");
  }
  sockaddr_storage ss;
  memcpy(&ss, data, sizeof(ss));
  return SockaddrToObject(env, &ss, sizeof(ss));
}

napi_value Pair(napi_env env, int a, int b) {
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, Int(env, a));
  napi_set_element(env, arr, 1, Int(env, b));
  return arr;
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
    if (rc != 0) {
      close(fds[0]);
      close(fds[1]);
      return ThrowSystemError(env, rc, "pipe");
    }
  }
#endif
  return Pair(env, fds[0], fds[1]);
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
    if (rc != 0) {
      close(fds[0]);
      close(fds[1]);
      return ThrowSystemError(env, rc, "socketpair");
    }
  }
  return Pair(env, fds[0], fds[1]);
}

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

napi_value ErrnoNameFn(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, argv)) return nullptr;
  int64_t e;
  if (!GetInt(env, argv[0], "negErrno", INT32_MIN, -1, &e)) return nullptr;
  char name[64];
  ErrnoName(static_cast<int>(e), name, sizeof(name));
  return Str(env, name);
}

void SetInt(napi_env env, napi_value obj, const char* key, int v) {
  napi_set_named_property(env, obj, key, Int(env, v));
}

napi_value ErrnoTable(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
#define E(name) SetInt(env, o, #name, name);
  E(EPERM) E(ENOENT) E(EINTR) E(EIO) E(EBADF) E(EAGAIN) E(EWOULDBLOCK)
  E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(ENOTDIR) E(EISDIR)
  E(EINVAL) E(ENFILE) E(EMFILE) E(ENOSPC) E(ESPIPE) E(EPIPE) E(ERANGE)
  E(ENAMETOOLONG) E(ENOSYS) E(ELOOP) E(ENOTSOCK) E(EDESTADDRREQ)
  E(EMSGSIZE) E(EPROTOTYPE) E(ENOPROTOOPT) E(EPROTONOSUPPORT) E(EOPNOTSUPP)
  E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ENETDOWN) E(ENETUNREACH)
  E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS) E(EISCONN) E(ENOTCONN)
  E(ETIMEDOUT) E(ECONNREFUSED) E(EHOSTUNREACH) E(EALREADY) E(EINPROGRESS)
  E(ECANCELED) E(EPROTO)
#undef E
  napi_object_freeze(env, o);
  return o;
}

napi_value ConstantsTable(napi_env env) {
  napi_value o;
  napi_create_object(env, &o);
#define C(name) SetInt(env, o, #name, name);
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
  napi_property_descriptor fns[] = {
      {"noop", nullptr, Noop, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"read", nullptr, Read, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"write", nullptr, Write, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"writev", nullptr, Writev, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"accept", nullptr, Accept, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"connect", nullptr, Connect, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"connectUnix", nullptr, ConnectUnix, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"socket", nullptr, Socket, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bind", nullptr, Bind, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"bindUnix", nullptr, BindUnix, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"listen", nullptr, Listen, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"shutdown", nullptr, Shutdown, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setsockopt", nullptr, SetSockOpt, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getsockopt", nullptr, GetSockOpt, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getsockname", nullptr, GetName<false>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getpeername", nullptr, GetName<true>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"decodeSockaddr", nullptr, DecodeSockaddr, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"pipe", nullptr, Pipe, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"socketpair", nullptr, SocketPair, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setNonBlocking", nullptr, SetFdFlag<false>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setCloseOnExec", nullptr, SetFdFlag<true>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"errnoName", nullptr, ErrnoNameFn, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"errno", nullptr, nullptr, nullptr, nullptr, ErrnoTable(env), napi_enumerable, nullptr},
      {"constants", nullptr, nullptr, nullptr, nullptr, ConstantsTable(env), napi_enumerable, nullptr},
      {"SOCKADDR_SIZE", nullptr, nullptr, nullptr, nullptr, Int(env, kSockaddrSize), napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns);
}

}  // namespace tpoller
