// poller.h: the abstract readiness backend (epoll, kqueue, poll).
#ifndef T_POLLER_NATIVE_POLLER_H_
#define T_POLLER_NATIVE_POLLER_H_

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <memory>

namespace tpoller {

// Event bits follow Tornado, which follows epoll(7). Every backend
// translates its kernel's notion of readiness into these.
constexpr int kRead = 0x001;    // EPOLLIN
constexpr int kWrite = 0x004;   // EPOLLOUT
constexpr int kErr = 0x008;     // EPOLLERR
constexpr int kHup = 0x010;     // EPOLLHUP
constexpr int kError = kErr | kHup;
constexpr int kAllEvents = kRead | kWrite | kError;

// The read-ahead result of an entry that was not read ahead (INT32_MIN;
// never a byte count nor a -errno).
constexpr int32_t kReadAheadNone = INT32_MIN;

// A level-triggered readiness set. All methods run on the JS thread of the
// environment that owns the poller, except where noted. Errors are
// returned as negative errno values; nothing here throws or touches napi.
class Backend {
 public:
  virtual ~Backend() = default;

  virtual const char* name() const = 0;

  // Registers fd with the Tornado event mask `events`. -EEXIST if present.
  virtual int Add(int fd, int events) = 0;
  // Replaces the interest mask of fd. -ENOENT if fd is not registered.
  virtual int Modify(int fd, int events) = 0;
  // Unregisters fd. -ENOENT if fd is not registered. A registered fd that
  // was closed behind our back is removed without error.
  virtual int Remove(int fd) = 0;
  // Number of registered descriptors.
  virtual size_t size() const = 0;

  // Collects ready (fd, events) pairs into out[0..2*max_pairs) without
  // blocking. Events are masked to (interest | kError). Returns the number
  // of pairs, or a negative errno.
  virtual int Harvest(int32_t* out, int max_pairs) = 0;

  // A descriptor that becomes readable whenever Harvest() would return
  // events (the epoll or kqueue fd), or -1 for backends without one.
  virtual int fd() const = 0;

  // Only for backends whose fd() is -1: a helper thread watches the set and
  // calls `notify` (from that thread) once readiness is seen after Arm().
  // After notifying it stays quiet until the next Arm(); Disarm() stops the
  // watch. StartWatcher() returns 0 or a negative errno.
  virtual int StartWatcher(std::function<void()> notify) {
    (void)notify;
    return 0;
  }
  virtual void Arm() {}
  virtual void Disarm() {}
};

// Factories: on success return a backend; on failure return nullptr and set
// *err to a negative errno (-ENOSYS when the backend is not compiled in).
std::unique_ptr<Backend> CreateEpollBackend(int max_events, int* err);
std::unique_ptr<Backend> CreatePollBackend(int max_events, int* err);
std::unique_ptr<Backend> CreateKqueueBackend(int max_events, int* err);

}  // namespace tpoller

#endif  // T_POLLER_NATIVE_POLLER_H_
