// sockaddr.cc: parsing IP literals and unix paths; sockaddr to JS objects.
#include "sockaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "napi_util.h"

namespace tpoller {
namespace {

// An IPv6 literal with a %scope (an interface name or index).
constexpr size_t kMaxInetText = INET6_ADDRSTRLEN + IF_NAMESIZE + 1;
static_assert(kMaxInetText < sizeof(SockAddr::text), "literal fits text");

// Parses a numeric IPv4/IPv6 literal (IPv6 may carry a %scope).
bool ParseInet(const char* addr, int port, sockaddr_storage* ss,
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
  char host[sizeof(SockAddr::text)];  // addr is at most kMaxInetText long
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

bool ParseUnix(const char* path, size_t n, sockaddr_storage* ss,
               socklen_t* len) {
  auto* sun = reinterpret_cast<sockaddr_un*>(ss);
  memset(sun, 0, sizeof(*sun));
  if (n == 0 || n >= sizeof(sun->sun_path)) return false;
  sun->sun_family = AF_UNIX;
  memcpy(sun->sun_path, path, n);
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + 1);
  return true;
}

}  // namespace

bool ReadInetAddress(const Napi::Value& address, const Napi::Value& port,
                     int fd, const char* syscall, SockAddr* out) {
  size_t n;
  int64_t p;
  if (!GetString(address, "address", out->text, kMaxInetText, &n) ||
      !GetInt(port, "port", 0, 65535, &p)) {
    return false;
  }
  out->port = static_cast<int>(p);
  if (!ParseInet(out->text, out->port, &out->storage, &out->len)) {
    ThrowSystemError(address.Env(), -EINVAL, syscall, fd, out->text,
                     out->port);
    return false;
  }
  return true;
}

bool ReadUnixAddress(const Napi::Value& path, int fd, const char* syscall,
                     SockAddr* out) {
  size_t n;
  if (!GetString(path, "path", out->text, sizeof(out->text) - 1, &n)) {
    return false;
  }
  out->port = -1;
  if (!ParseUnix(out->text, n, &out->storage, &out->len)) {
    ThrowSystemError(path.Env(), -EINVAL, syscall, fd, out->text);
    return false;
  }
  return true;
}

Napi::Object SockaddrToObject(Napi::Env env, const sockaddr_storage* ss,
                              socklen_t len) {
  char buf[kMaxInetText + 1] = "";
  const char* family = "unix";
  int port = 0;
  Napi::String address;
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
    address = Napi::String::New(env, sun->sun_path, n);
  } else {
    family = "unknown";
  }
  if (address.IsEmpty()) address = Str(env, buf);
  Napi::Object obj = Napi::Object::New(env);
  obj.Set("family", Str(env, family));
  obj.Set("address", address);
  obj.Set("port", Int(env, port));
  return obj;
}

}  // namespace tpoller
