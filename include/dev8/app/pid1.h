#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <random>

#include "dev8/fs/unique_fd.h"
#include "dev8/loop/event_loop.h"
#include "dev8/process/reaper.h"
#include "dev8/supervisor/process_control.h"
#include "dev8/supervisor/supervisor.h"

namespace dev8::app {

// Not PID 1 (docker run --init, a shell that started us): become the
// children's subreaper, so orphans are still ours to reap, and say so.
void become_reaper();

// The ProcessControl of a running dev8-init: process::spawn with the
// reaper, kill(2), the event loop's timers, a thread per readiness poll.
class LiveProcesses final : public supervisor::ProcessControl {
  public:
    LiveProcesses(loop::EventLoop& loop, process::Reaper& reaper, bool pid1);

    std::expected<supervisor::Run, process::SpawnError> spawn(
        const std::string& name, const process::SpawnSpec& spec) override;
    bool signal(pid_t pid, int sig) override;
    void signal_everyone(int sig) override;
    process::Reaper::Result reap() override;
    Clock::time_point now() const override { return Clock::now(); }
    TimerId after(std::chrono::milliseconds delay, std::function<void()> callback) override;
    void cancel(TimerId id) override;
    std::unique_ptr<supervisor::ReadyWatch> watch_ready(const supervisor::ReadyProbe& probe,
                                                        std::function<void()> ready) override;
    double jitter() override;

  private:
    loop::EventLoop& loop_;
    process::Reaper& reaper_;
    bool pid1_;
    std::minstd_rand random_;
};

// What PID 1 does, in one place as in tini: which signal means what, reaping
// on SIGCHLD, and the stop sequence (SIGTERM to every process at once,
// SIGKILL to what is left after the stop timeout, done when nothing is left).
class Pid1 {
  public:
    struct Hooks {
        std::function<void()> stopping;          // the stop began: end the worker threads
        std::function<void()> reload;            // SIGHUP: re-read secrets, check the token now
        std::function<void(int code)> finished;  // nothing is left: exit with `code`
    };

    Pid1(supervisor::ProcessControl& control, supervisor::Supervisor& supervisor,
         std::chrono::milliseconds stop_timeout, Hooks hooks);

    // Reads signals from a signalfd on `loop`; main blocked them all first.
    void watch_signals(loop::EventLoop& loop);
    void on_signal(int sig);
    // Reaps every child that exited; finishes a stop once none is left.
    void reap();
    // SIGTERM/SIGINT/SIGQUIT (`signal`), the main command's end or an
    // essential service's failure: the stop sequence, once.
    void stop(std::optional<int> signal = std::nullopt);
    bool stopping() const { return stopping_; }
    // The stop sequence for when the event loop itself cannot go on: reaping
    // by polling, SIGKILL after the stop timeout; returns once nothing is left.
    void stop_without_loop();

  private:
    void read_signals();
    void finish();

    supervisor::ProcessControl& control_;
    supervisor::Supervisor& supervisor_;
    std::chrono::milliseconds stop_timeout_;
    Hooks hooks_;
    fs::UniqueFd signal_fd_;
    bool stopping_ = false;
    bool finished_ = false;
    std::optional<int> stop_signal_;
    std::optional<supervisor::ProcessControl::TimerId> kill_timer_;
};

}  // namespace dev8::app
