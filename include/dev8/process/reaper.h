#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace dev8::process {

struct ExitStatus {
    std::optional<int> code;    // set when the process exited
    std::optional<int> signal;  // set when a signal killed it
    std::chrono::system_clock::time_point at;

    static ExitStatus from_wait_status(int status);
    // The shell's convention: the exit code, or 128 + the signal.
    int shell_code() const { return code ? *code : 128 + signal.value_or(0); }
    bool success() const { return code && *code == 0; }
};

// The outcome of one child, shared by whoever spawned it and the reaper. A
// worker thread blocks in wait(); the event loop registers a callback, which
// the reaper calls on the loop thread.
class ChildExit {
  public:
    using Callback = std::function<void(const ExitStatus&)>;

    ExitStatus wait();
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
    std::optional<ExitStatus> status() const;
    // Runs now if the child has already been reaped.
    void on_exit(Callback callback);

    void complete(const ExitStatus& status);

  private:
    mutable std::mutex mutex_;
    std::condition_variable done_;
    std::optional<ExitStatus> status_;
    Callback callback_;
};

// The only caller of waitpid in the program. Every spawn registers its pid
// under the reaper's lock, so a child can never be reaped before it is known;
// anything else that exits is an orphan that was re-parented to us.
class Reaper {
  public:
    struct Result {
        size_t reaped = 0;
        bool no_children = false;  // waitpid said ECHILD: nothing left to wait for
    };

    std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }
    // Call with lock() held, right after fork.
    std::shared_ptr<ChildExit> register_child(pid_t pid);

    Result reap();
    uint64_t orphans_reaped() const { return orphans_.load(); }
    size_t registered() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<pid_t, std::shared_ptr<ChildExit>> children_;
    std::atomic<uint64_t> orphans_{0};
};

}  // namespace dev8::process
