#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "dev8/app/event_loop.h"
#include "dev8/fs/unique_fd.h"
#include "dev8/log/logging.h"
#include "dev8/process/reaper.h"
#include "dev8/status/status.h"
#include "dev8/supervisor/backoff.h"
#include "dev8/supervisor/readiness.h"
#include "dev8/supervisor/service_spec.h"
#include "dev8/supervisor/supervisor.h"

namespace dev8::supervisor {

// Splits a child's pipe into lines and relays each with the service's prefix.
class OutputRelay {
  public:
    OutputRelay(app::EventLoop& loop, std::string service, log::Stream stream, fs::UniqueFd fd);
    ~OutputRelay();
    bool open() const { return static_cast<bool>(fd_); }
    // Reads until EOF or until nothing more is there, then closes.
    void flush();

  private:
    // false once the pipe is at EOF (or failed) and closed.
    bool drain();
    void close();

    static constexpr size_t kMaxLine = 16 * 1024;
    app::EventLoop& loop_;
    std::string service_;
    log::Stream stream_;
    fs::UniqueFd fd_;
    std::string partial_;
};

// One supervised program: its state machine, its process group, its restarts.
class Service {
  public:
    enum class State { Starting, Ready, Backoff, Stopping, Stopped, Failed };

    Service(Supervisor& supervisor, ServiceSpec spec);

    const ServiceSpec& spec() const { return spec_; }
    void start();
    // The supervisor is stopping: no more restarts.
    void stop();
    // After every reap: is the process group of the last run gone yet?
    void on_reaped();
    bool ready() const { return state_ == State::Ready; }
    // Ended with exit 0 and is not to be restarted: a one-shot job that is done.
    bool completed() const {
        return state_ == State::Stopped && last_exit_ && last_exit_->success() && !restart_timer_;
    }
    // Relays what is still in the pipes (the container is about to exit).
    void flush_output();
    std::optional<pid_t> pid() const { return pid_; }
    status::ServiceStatus status() const;

  private:
    void on_exit(const process::ExitStatus& exit);
    void start_failed(int code, const std::string& reason);
    void on_ready(uint64_t generation);
    void schedule_restart(const process::ExitStatus& exit);
    void start_when_drained();
    void drain_group();
    bool group_alive() const;

    Supervisor& supervisor_;
    ServiceSpec spec_;
    State state_ = State::Stopped;
    std::optional<pid_t> pid_;
    std::optional<pid_t> pgid_;  // of the last run, until its group is gone
    uint64_t generation_ = 0;
    uint64_t restarts_ = 0;
    std::optional<process::ExitStatus> last_exit_;
    std::string message_;  // why the last start failed before exec
    std::chrono::steady_clock::time_point started_at_;
    Backoff backoff_;
    bool restart_due_ = false;
    std::optional<app::EventLoop::TimerId> restart_timer_;
    std::optional<app::EventLoop::TimerId> drain_kill_timer_;
    std::unique_ptr<ReadinessWatch> readiness_;
    std::unique_ptr<OutputRelay> stdout_relay_;
    std::unique_ptr<OutputRelay> stderr_relay_;
};

}  // namespace dev8::supervisor
