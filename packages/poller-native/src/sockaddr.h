// sockaddr.h: socket addresses read from JS arguments, and written back.
#ifndef T_POLLER_NATIVE_SOCKADDR_H_
#define T_POLLER_NATIVE_SOCKADDR_H_

#include <napi.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace tpoller {

constexpr size_t kSockaddrSize = sizeof(sockaddr_storage);  // 128
static_assert(kSockaddrSize == 128, "SOCKADDR_SIZE is part of the API");
static_assert(sizeof(sockaddr_un) <= kSockaddrSize, "unix fits storage");

// An address for bind(2)/connect(2), plus what its errors must name: the
// IP literal or the unix path as JS gave it, and the port (-1 for unix).
struct SockAddr {
  sockaddr_storage storage;
  socklen_t len;
  char text[sizeof(sockaddr_un::sun_path)];
  int port;

  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
};

// Reads (address, port): a numeric IPv4/IPv6 literal (IPv6 may carry a
// %scope) and a port. Bad argument types or ranges throw TypeError or
// RangeError; an unparsable literal throws EINVAL as `syscall` on fd.
// Returns false when it threw.
bool ReadInetAddress(const Napi::Value& address, const Napi::Value& port,
                     int fd, const char* syscall, SockAddr* out);

// Reads a unix socket path (1..107 bytes on Linux), with the same errors.
bool ReadUnixAddress(const Napi::Value& path, int fd, const char* syscall,
                     SockAddr* out);

// { family: "IPv4" | "IPv6" | "unix", address, port }, like net's address().
Napi::Object SockaddrToObject(Napi::Env env, const sockaddr_storage* ss,
                              socklen_t len);

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_SOCKADDR_H_
