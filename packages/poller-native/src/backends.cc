// backends.cc: the table of readiness backends (binding.gyp picks sources).
#include "backends.h"

#include <string.h>

namespace tpoller {

// binding.gyp compiles epoll.cc on Linux and kqueue.cc on macOS/BSD only;
// poll.cc everywhere.
const BackendInfo kBackends[3] = {
#if defined(T_HAVE_EPOLL)
    {"epoll", CreateEpollBackend, "epoll_create1", "epoll_ctl", "epoll_wait"},
#else
    {"epoll", nullptr, "epoll_create1", "epoll_ctl", "epoll_wait"},
#endif
#if defined(T_HAVE_KQUEUE)
    {"kqueue", CreateKqueueBackend, "kqueue", "kevent", "kevent"},
#else
    {"kqueue", nullptr, "kqueue", "kevent", "kevent"},
#endif
    // The poll backend's descriptor-like resource is its wakeup pipe.
    {"poll", CreatePollBackend, "pipe", "poll", "poll"},
};

const BackendInfo* FindBackend(const char* name, size_t len) {
  for (const BackendInfo& b : kBackends) {
    if (strlen(b.name) == len && memcmp(b.name, name, len) == 0) return &b;
  }
  return nullptr;
}

}  // namespace tpoller
