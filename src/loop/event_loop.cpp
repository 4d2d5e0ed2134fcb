#include "dev8/loop/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace dev8::loop {
namespace {

constexpr uint64_t kTimerId = 0;
constexpr uint64_t kWakeId = ~0ULL;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

void add_to_epoll(int epoll, int fd, uint32_t events, uint64_t id) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    check(::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl");
}

}  // namespace

EventLoop::EventLoop()
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      timer_fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    check(epoll_ && timer_fd_ && wake_fd_, "event loop");
    add_to_epoll(epoll_.get(), timer_fd_.get(), EPOLLIN, kTimerId);
    add_to_epoll(epoll_.get(), wake_fd_.get(), EPOLLIN, kWakeId);
}

void EventLoop::watch(int fd, uint32_t events, FdCallback callback) {
    uint64_t id = next_id_++;
    add_to_epoll(epoll_.get(), fd, events, id);
    watch_ids_[fd] = id;
    watches_[id] = Watch{fd, std::make_shared<FdCallback>(std::move(callback))};
}

void EventLoop::unwatch(int fd) {
    auto it = watch_ids_.find(fd);
    if (it == watch_ids_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(it->second);
    watch_ids_.erase(it);
}

EventLoop::TimerId EventLoop::after(std::chrono::milliseconds delay,
                                    std::function<void()> callback) {
    TimerId id = next_id_++;
    auto deadline = Clock::now() + delay;
    timers_.emplace(std::pair{deadline, id}, std::move(callback));
    timer_deadlines_[id] = deadline;
    arm_timer();
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = timer_deadlines_.find(id);
    if (it == timer_deadlines_.end()) return;
    timers_.erase({it->second, id});
    timer_deadlines_.erase(it);
    arm_timer();
}

void EventLoop::post(std::function<void()> task) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(task));
    }
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

template <typename Callback>
void EventLoop::guarded(std::string_view where, Callback&& callback) {
    try {
        callback();
    } catch (const std::exception& e) {
        if (on_error_) on_error_(where, e.what());
    } catch (...) {
        if (on_error_) on_error_(where, "an exception of unknown type");
    }
}

void EventLoop::arm_timer() {
    itimerspec spec{};
    if (!timers_.empty()) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      timers_.begin()->first.first.time_since_epoch())
                      .count();
        // An it_value of zero disarms: a deadline at the epoch still has to fire.
        ns = std::max<int64_t>(ns, 1);
        spec.it_value.tv_sec = ns / 1'000'000'000;
        spec.it_value.tv_nsec = ns % 1'000'000'000;
    }
    ::timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::fire_timers() {
    uint64_t expirations;
    [[maybe_unused]] auto n = ::read(timer_fd_.get(), &expirations, sizeof expirations);
    auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
        auto node = timers_.extract(timers_.begin());
        timer_deadlines_.erase(node.key().second);
        guarded("a timer", node.mapped());
    }
    arm_timer();
}

void EventLoop::run_posted() {
    uint64_t count;
    [[maybe_unused]] auto n = ::read(wake_fd_.get(), &count, sizeof count);
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(posted_mutex_);
        tasks.swap(posted_);
    }
    for (auto& task : tasks) guarded("a task posted by a worker thread", task);
}

void EventLoop::run() {
    running_ = true;
    epoll_event events[32];
    while (running_) {
        int n = ::epoll_wait(epoll_.get(), events, 32, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            check(false, "epoll_wait");
        }
        for (int i = 0; i < n && running_; ++i) {
            uint64_t id = events[i].data.u64;
            if (id == kTimerId) {
                fire_timers();
            } else if (id == kWakeId) {
                run_posted();
            } else if (auto it = watches_.find(id); it != watches_.end()) {
                auto callback = it->second.callback;  // survives an unwatch from inside
                guarded("the handler of fd " + std::to_string(it->second.fd),
                        [&] { (*callback)(events[i].events); });
            }
        }
    }
}

}  // namespace dev8::loop
