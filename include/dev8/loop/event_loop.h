#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dev8/fs/unique_fd.h"

namespace dev8::loop {

// One epoll loop on the main thread: fd readiness, one-shot timers on a single
// timerfd (armed only while a timer is pending, so an idle loop never wakes),
// and an eventfd through which other threads post work.
class EventLoop {
  public:
    using FdCallback = std::function<void(uint32_t events)>;
    using TimerId = uint64_t;
    using Clock = std::chrono::steady_clock;
    // Hears of an exception that escaped a callback: what ran ("a timer", "a
    // posted task", "fd 7") and the exception's message.
    using ErrorHandler = std::function<void(std::string_view where, std::string_view what)>;

    EventLoop();

    // A callback that throws never ends the loop: the exception is handed
    // here and the loop goes on with the next event.
    void on_error(ErrorHandler handler) { on_error_ = std::move(handler); }

    void watch(int fd, uint32_t events, FdCallback callback);
    void unwatch(int fd);

    TimerId after(std::chrono::milliseconds delay, std::function<void()> callback);
    void cancel(TimerId id);

    // Thread-safe: runs `task` on the loop thread.
    void post(std::function<void()> task);

    void run();
    void stop() { running_ = false; }

  private:
    struct Watch {
        int fd;
        std::shared_ptr<FdCallback> callback;
    };

    void arm_timer();
    void fire_timers();
    void run_posted();
    template <typename Callback>
    void guarded(std::string_view where, Callback&& callback);

    fs::UniqueFd epoll_;
    fs::UniqueFd timer_fd_;
    fs::UniqueFd wake_fd_;
    bool running_ = false;
    uint64_t next_id_ = 1;
    std::unordered_map<int, uint64_t> watch_ids_;  // fd -> id
    std::unordered_map<uint64_t, Watch> watches_;
    std::map<std::pair<Clock::time_point, TimerId>, std::function<void()>> timers_;
    std::unordered_map<TimerId, Clock::time_point> timer_deadlines_;
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    ErrorHandler on_error_;
};

}  // namespace dev8::loop
