// kqueue.cc: the macOS/BSD kqueue(2) backend; built there only, untested here.
#include <errno.h>
#include <fcntl.h>
#include <sys/event.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <unordered_map>
#include <vector>

#include "poller.h"

namespace tpoller {
namespace {

// kqueue reports read and write readiness as separate kevents (one per
// filter); Harvest() merges them into one (fd, events) pair per fd, as
// Tornado's KQueue wrapper does. EV_EOF on a filter means the peer hung
// up (Tornado reports it as ERROR); EV_ERROR carries an errno in `data`.
class KqueueBackend final : public Backend {
 public:
  KqueueBackend(int kq, int max_events)
      : kq_(kq), buf_(static_cast<size_t>(max_events) * 2) {}
  ~KqueueBackend() override { close(kq_); }

  const char* name() const override { return "kqueue"; }
  int fd() const override { return kq_; }
  size_t size() const override { return interest_.size(); }

  int Add(int fd, int events) override {
    if (interest_.count(fd) != 0) return -EEXIST;
    int rc = Apply(fd, 0, events);
    if (rc != 0) return rc;
    interest_[fd] = events;
    return 0;
  }

  int Modify(int fd, int events) override {
    auto it = interest_.find(fd);
    if (it == interest_.end()) return -ENOENT;
    int rc = Apply(fd, it->second, events);
    if (rc == -EBADF) {
      // Closed behind our back: kqueue already dropped its filters.
      interest_.erase(it);
      return rc;
    }
    if (rc != 0) return rc;
    it->second = events;
    return 0;
  }

  int Remove(int fd) override {
    auto it = interest_.find(fd);
    if (it == interest_.end()) return -ENOENT;
    int old = it->second;
    interest_.erase(it);
    // close(2) removes a descriptor's filters from every kqueue, so ENOENT
    // or EBADF here only means the fd was closed before remove().
    int rc = Apply(fd, old, 0);
    if (rc == -ENOENT || rc == -EBADF) return 0;
    return rc;
  }

  int Harvest(int32_t* out, int max_pairs) override {
    int cap = static_cast<int>(buf_.size());
    if (cap > 2 * max_pairs) cap = 2 * max_pairs;
    timespec zero = {0, 0};
    int n;
    do {
      n = kevent(kq_, nullptr, 0, buf_.data(), cap, &zero);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    int k = 0;
    epoch_++;
    for (int i = 0; i < n; i++) {
      const struct kevent& ev = buf_[i];
      int fd = static_cast<int>(ev.ident);
      auto it = interest_.find(fd);
      if (it == interest_.end()) continue;
      int events = 0;
      if (ev.flags & EV_ERROR) {
        events |= kErr;
      } else if (ev.filter == EVFILT_READ) {
        events |= kRead;
        if (ev.flags & EV_EOF) events |= kHup;
      } else if (ev.filter == EVFILT_WRITE) {
        events |= kWrite;
        if (ev.flags & EV_EOF) events |= kHup;
      }
      events &= it->second | kError;
      if (events == 0) continue;
      // Merge with this fd's pair if it is already in this batch.
      if (static_cast<size_t>(fd) < slot_epoch_.size() &&
          slot_epoch_[fd] == epoch_) {
        out[2 * slot_[fd] + 1] |= events;
        continue;
      }
      if (k == max_pairs) break;
      if (static_cast<size_t>(fd) >= slot_epoch_.size()) {
        slot_epoch_.resize(fd + 1, 0);
        slot_.resize(fd + 1, 0);
      }
      slot_epoch_[fd] = epoch_;
      slot_[fd] = k;
      out[2 * k] = fd;
      out[2 * k + 1] = events;
      k++;
    }
    return k;
  }

 private:
  // Moves fd's filters from the `from` interest mask to `to`.
  int Apply(int fd, int from, int to) {
    struct kevent changes[2];
    int n = 0;
    if ((from & kRead) != (to & kRead)) {
      EV_SET(&changes[n++], fd, EVFILT_READ, (to & kRead) ? EV_ADD : EV_DELETE,
             0, 0, nullptr);
    }
    if ((from & kWrite) != (to & kWrite)) {
      EV_SET(&changes[n++], fd, EVFILT_WRITE,
             (to & kWrite) ? EV_ADD : EV_DELETE, 0, 0, nullptr);
    }
    if (n == 0) {
      // Only ERROR asked for: kqueue has no such filter, so check that the
      // descriptor exists the way EV_ADD would.
      struct kevent probe;
      EV_SET(&probe, fd, EVFILT_READ, EV_ADD | EV_DISABLE, 0, 0, nullptr);
      if (from == 0 && to != 0) {
        if (kevent(kq_, &probe, 1, nullptr, 0, nullptr) != 0) return -errno;
        EV_SET(&probe, fd, EVFILT_READ, EV_DELETE, 0, 0, nullptr);
        kevent(kq_, &probe, 1, nullptr, 0, nullptr);
      }
      return 0;
    }
    if (kevent(kq_, changes, n, nullptr, 0, nullptr) != 0) return -errno;
    return 0;
  }

  int kq_;
  std::vector<struct kevent> buf_;
  std::unordered_map<int, int> interest_;
  // Per-harvest merge table indexed by fd, reset in O(1) by bumping epoch_.
  std::vector<uint32_t> slot_epoch_;
  std::vector<int> slot_;
  uint32_t epoch_ = 0;
};

}  // namespace

std::unique_ptr<Backend> CreateKqueueBackend(int max_events, int* err) {
  int kq = kqueue();
  if (kq < 0) {
    *err = -errno;
    return nullptr;
  }
  // kqueue descriptors are not inherited across fork, but exec is another
  // matter on some BSDs.
  fcntl(kq, F_SETFD, FD_CLOEXEC);
  *err = 0;
  return std::unique_ptr<Backend>(new KqueueBackend(kq, max_events));
}

}  // namespace tpoller
