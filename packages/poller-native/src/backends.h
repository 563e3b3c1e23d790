// backends.h: the readiness backends by name, and the syscalls they name.
#ifndef T_POLLER_NATIVE_BACKENDS_H_
#define T_POLLER_NATIVE_BACKENDS_H_

#include <stddef.h>

#include <memory>

#include "poller.h"

namespace tpoller {

struct BackendInfo {
  const char* name;  // "epoll", "kqueue" or "poll"
  // The factory, or nullptr when this build does not compile the backend in.
  std::unique_ptr<Backend> (*create)(int max_events, int* err);
  // The system calls its errors name: creating, changing the set, waiting.
  const char* create_syscall;
  const char* ctl_syscall;
  const char* wait_syscall;
};

// Every backend name, best first; `create` tells which are compiled in.
extern const BackendInfo kBackends[3];

// The entry called `name` (`len` bytes), or nullptr for an unknown name.
const BackendInfo* FindBackend(const char* name, size_t len);

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_BACKENDS_H_
