// poll.cc: the portable poll(2) backend and its helper watcher thread.
//
// poll(2) has no descriptor of its own that libuv could watch, so readiness
// is noticed by a helper thread that blocks in poll(2) on a copy of the set
// plus the read end of a wakeup pipe. When it sees readiness it calls
// notify() (uv_async_send in poller_handle.cc) once and then sleeps on a
// condition variable until the JS thread has harvested and re-armed it;
// without that handshake a level-triggered ready fd would make the thread
// spin. The JS thread harvests with its own poll(..., 0), so what JS sees
// is always the current registration, never the thread's possibly stale
// copy. Changes to the set while the thread is inside poll(2) interrupt
// it through the pipe.
// Cost: one thread hop (tens of microseconds) per wakeup; idle costs nothing.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "poller.h"

namespace tpoller {
namespace {

short ToPoll(int events) {
  short e = 0;
  if (events & kRead) e |= POLLIN;
  if (events & kWrite) e |= POLLOUT;
  // POLLERR and POLLHUP are always reported (they are output-only bits).
  return e;
}

int FromPoll(short revents) {
  int events = 0;
  if (revents & (POLLIN | POLLPRI)) events |= kRead;
  if (revents & POLLOUT) events |= kWrite;
  if (revents & POLLERR) events |= kErr;
  if (revents & POLLHUP) events |= kHup;
  return events;
}

int MakeWakePipe(int fds[2]) {
  if (pipe(fds) != 0) return -errno;
  for (int i = 0; i < 2; i++) {
    int fl = fcntl(fds[i], F_GETFL);
    fcntl(fds[i], F_SETFL, fl | O_NONBLOCK);
    fcntl(fds[i], F_SETFD, FD_CLOEXEC);
  }
  return 0;
}

class PollBackend final : public Backend {
 public:
  PollBackend(int wake_rd, int wake_wr)
      : wake_rd_(wake_rd), wake_wr_(wake_wr) {}

  ~PollBackend() override {
    if (thread_started_) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        quit_ = true;
        KickLocked();
      }
      cv_.notify_one();
      pthread_join(thread_, nullptr);
    }
    close(wake_rd_);
    close(wake_wr_);
  }

  const char* name() const override { return "poll"; }
  int fd() const override { return -1; }
  size_t size() const override { return index_.size(); }

  int Add(int fd, int events) override {
    // Like epoll_ctl(2): a descriptor that is not open is EBADF.
    if (fd < 0 || fcntl(fd, F_GETFD) == -1) return -EBADF;
    std::lock_guard<std::mutex> lk(mu_);
    auto it = index_.find(fd);
    if (it != index_.end()) {
      // An entry parked by POLLNVAL belonged to a descriptor closed without
      // remove(); epoll forgets those silently, and so do we.
      pollfd& p = pfds_[it->second];
      if (p.fd >= 0) return -EEXIST;
      p.fd = fd;
      p.events = ToPoll(events);
      interest_[it->second] = events;
      KickLocked();
      return 0;
    }
    index_.emplace(fd, pfds_.size());
    pfds_.push_back(pollfd{fd, ToPoll(events), 0});
    interest_.push_back(events);
    keys_.push_back(fd);
    KickLocked();
    return 0;
  }

  int Modify(int fd, int events) override {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = index_.find(fd);
    if (it == index_.end()) return -ENOENT;
    pfds_[it->second].events = ToPoll(events);
    interest_[it->second] = events;
    KickLocked();
    return 0;
  }

  int Remove(int fd) override {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = index_.find(fd);
    if (it == index_.end()) return -ENOENT;
    size_t i = it->second;
    size_t last = pfds_.size() - 1;
    if (i != last) {
      pfds_[i] = pfds_[last];
      interest_[i] = interest_[last];
      keys_[i] = keys_[last];
      index_[keys_[i]] = i;
    }
    pfds_.pop_back();
    interest_.pop_back();
    keys_.pop_back();
    index_.erase(it);
    if (cursor_ >= pfds_.size()) cursor_ = 0;
    KickLocked();
    return 0;
  }

  int Harvest(int32_t* out, int max_pairs) override {
    std::lock_guard<std::mutex> lk(mu_);
    size_t n = pfds_.size();
    if (n == 0) return 0;
    int r;
    do {
      r = poll(pfds_.data(), n, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    if (r == 0) return 0;
    // Start where the previous full batch stopped so that a set with more
    // ready fds than max_pairs is served round-robin, as epoll does.
    int k = 0;
    size_t i = cursor_ < n ? cursor_ : 0;
    for (size_t seen = 0; seen < n; seen++, i = (i + 1 == n) ? 0 : i + 1) {
      if (k == max_pairs) {
        cursor_ = i;
        return k;
      }
      pollfd& p = pfds_[i];
      if (p.revents == 0) continue;
      if (p.revents & POLLNVAL) {
        // Closed while registered: park the entry (poll ignores negative
        // fds) so it neither spins nor reports; remove() still finds it.
        p.fd = -1;
        continue;
      }
      int events = FromPoll(p.revents) & (interest_[i] | kError);
      if (events == 0) continue;
      out[2 * k] = p.fd;
      out[2 * k + 1] = events;
      k++;
    }
    return k;
  }

  int StartWatcher(std::function<void()> notify) override {
    notify_ = std::move(notify);
    int rc = pthread_create(&thread_, nullptr, &PollBackend::ThreadMain, this);
    if (rc != 0) return -rc;
    thread_started_ = true;
    return 0;
  }

  void Arm() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      armed_ = true;
    }
    cv_.notify_one();
  }

  void Disarm() override {
    std::lock_guard<std::mutex> lk(mu_);
    armed_ = false;
  }

 private:
  // Interrupts the helper's poll(2) so that it re-reads the set.
  void KickLocked() {
    if (!polling_ || wake_pending_) return;
    wake_pending_ = true;
    char c = 1;
    ssize_t rc;
    do {
      rc = write(wake_wr_, &c, 1);
    } while (rc < 0 && errno == EINTR);
  }

  static void* ThreadMain(void* arg) {
    // Signals belong to the JS thread (libuv's signal handling runs there).
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    static_cast<PollBackend*>(arg)->Run();
    return nullptr;
  }

  void Run() {
    std::vector<pollfd> local;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      while (!quit_ && !armed_) cv_.wait(lk);
      if (quit_) break;
      local.assign(pfds_.begin(), pfds_.end());
      local.push_back(pollfd{wake_rd_, POLLIN, 0});
      polling_ = true;
      lk.unlock();
      int r = poll(local.data(), local.size(), -1);
      int err = r < 0 ? errno : 0;
      lk.lock();
      polling_ = false;
      if (local.back().revents != 0) {
        char buf[64];
        while (read(wake_rd_, buf, sizeof(buf)) > 0) {
        }
        wake_pending_ = false;
      }
      if (r < 0 && err == EINTR) continue;
      // Any other poll(2) failure is reported by the JS thread's Harvest().
      bool ready = r < 0;
      for (size_t i = 0; !ready && i + 1 < local.size(); i++) {
        ready = local[i].revents != 0;
      }
      if (ready && armed_ && !quit_) {
        armed_ = false;
        lk.unlock();
        notify_();
        lk.lock();
      }
    }
  }

  int wake_rd_;
  int wake_wr_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_: the set (read by the helper when it copies it) ...
  std::vector<pollfd> pfds_;
  std::vector<int> interest_;
  std::vector<int> keys_;  // fd of each entry, kept when the entry is parked
  size_t cursor_ = 0;
  // ... and the handshake with the helper.
  bool armed_ = false;
  bool polling_ = false;
  bool wake_pending_ = false;
  bool quit_ = false;
  // JS thread only.
  std::unordered_map<int, size_t> index_;
  std::function<void()> notify_;
  pthread_t thread_{};
  bool thread_started_ = false;
};

}  // namespace

std::unique_ptr<Backend> CreatePollBackend(int max_events, int* err) {
  (void)max_events;
  int fds[2];
  int rc = MakeWakePipe(fds);
  if (rc != 0) {
    *err = rc;
    return nullptr;
  }
  *err = 0;
  return std::unique_ptr<Backend>(new PollBackend(fds[0], fds[1]));
}

}  // namespace tpoller
