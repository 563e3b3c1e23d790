// epoll.cc: the Linux epoll(7) backend (level-triggered); Linux only.
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <unordered_set>
#include <vector>

#include "poller.h"

namespace tpoller {
namespace {

uint32_t ToEpoll(int events) {
  uint32_t e = 0;
  if (events & kRead) e |= EPOLLIN;
  if (events & kWrite) e |= EPOLLOUT;
  // EPOLLERR and EPOLLHUP are always reported; asking for them is harmless.
  if (events & kErr) e |= EPOLLERR;
  if (events & kHup) e |= EPOLLHUP;
  return e;
}

int FromEpoll(uint32_t e) {
  int events = 0;
  if (e & EPOLLIN) events |= kRead;
  if (e & EPOLLOUT) events |= kWrite;
  if (e & EPOLLERR) events |= kErr;
  if (e & EPOLLHUP) events |= kHup;
  return events;
}

// The interest mask travels in the upper half of epoll_data so that
// Harvest() can mask events without a lookup per event.
uint64_t Pack(int fd, int events) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(events)) << 32) |
         static_cast<uint32_t>(fd);
}

class EpollBackend final : public Backend {
 public:
  EpollBackend(int epfd, int max_events) : epfd_(epfd), buf_(max_events) {}
  ~EpollBackend() override { close(epfd_); }

  const char* name() const override { return "epoll"; }
  int fd() const override { return epfd_; }
  size_t size() const override { return fds_.size(); }

  int Add(int fd, int events) override {
    epoll_event ev{};
    ev.events = ToEpoll(events);
    ev.data.u64 = Pack(fd, events);
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return -errno;
    // If fd was already in the set, the earlier registration died with a
    // close() we were not told about (epoll drops closed files silently).
    fds_.insert(fd);
    return 0;
  }

  int Modify(int fd, int events) override {
    epoll_event ev{};
    ev.events = ToEpoll(events);
    ev.data.u64 = Pack(fd, events);
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
      int err = errno;
      if (err == EBADF || err == ENOENT) fds_.erase(fd);
      return -err;
    }
    return 0;
  }

  int Remove(int fd) override {
    // Kernels before 2.6.9 require a non-null event pointer for DEL.
    epoll_event ev{};
    if (epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) != 0) {
      int err = errno;
      // A registered fd that was closed has already left the epoll set:
      // the kernel says EBADF (or ENOENT if the number was reused).
      if ((err == EBADF || err == ENOENT) && fds_.erase(fd) == 1) return 0;
      return -err;
    }
    fds_.erase(fd);
    return 0;
  }

  int Harvest(int32_t* out, int max_pairs) override {
    int cap = max_pairs < static_cast<int>(buf_.size())
                  ? max_pairs
                  : static_cast<int>(buf_.size());
    int n;
    do {
      n = epoll_wait(epfd_, buf_.data(), cap, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    int k = 0;
    for (int i = 0; i < n; i++) {
      uint64_t data = buf_[i].data.u64;
      int interest = static_cast<int>(data >> 32);
      int events = FromEpoll(buf_[i].events) & (interest | kError);
      if (events == 0) continue;
      out[2 * k] = static_cast<int32_t>(data & 0xffffffffu);
      out[2 * k + 1] = events;
      k++;
    }
    return k;
  }

 private:
  int epfd_;
  std::vector<epoll_event> buf_;
  std::unordered_set<int> fds_;
};

}  // namespace

std::unique_ptr<Backend> CreateEpollBackend(int max_events, int* err) {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    *err = -errno;
    return nullptr;
  }
  *err = 0;
  return std::unique_ptr<Backend>(new EpollBackend(epfd, max_events));
}

}  // namespace tpoller
