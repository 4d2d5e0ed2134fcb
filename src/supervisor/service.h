#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dev8/process/reaper.h"
#include "dev8/supervisor/backoff.h"
#include "dev8/supervisor/output_relay.h"
#include "dev8/supervisor/process_control.h"
#include "dev8/supervisor/service_spec.h"
#include "dev8/supervisor/supervisor.h"

namespace dev8::supervisor {

// One supervised program: its state machine, its process group, its restarts.
class Service {
  public:
    Service(Supervisor& supervisor, ServiceSpec spec);

    const ServiceSpec& spec() const { return spec_; }
    void start();
    // The supervisor is stopping: no more restarts.
    void stop();
    // After every reap: is the process group of the last run gone yet?
    void on_reaped();
    bool ready() const { return state_ == ServiceState::Ready; }
    bool started() const { return generation_ > 0; }
    // Ended with exit 0 and is not to be restarted: a one-shot job that is done.
    bool completed() const {
        return state_ == ServiceState::Stopped && last_exit_ && last_exit_->success() &&
               !restart_timer_;
    }
    // Relays what is still in the pipes (the container is about to exit).
    void flush_output();
    std::optional<pid_t> pid() const { return pid_; }
    ServiceReport report() const;

  private:
    void on_exit(const process::ExitStatus& exit);
    void start_failed(int code, const std::string& reason);
    void on_ready(uint64_t generation);
    void schedule_restart(const process::ExitStatus& exit);
    void start_when_drained();
    void drain_group();
    bool group_alive() const;
    ProcessControl& control() const { return supervisor_.control_; }

    Supervisor& supervisor_;
    ServiceSpec spec_;
    ServiceState state_ = ServiceState::Stopped;
    std::optional<pid_t> pid_;
    std::optional<pid_t> pgid_;  // of the last run, until its group is gone
    uint64_t generation_ = 0;
    uint64_t restarts_ = 0;
    std::optional<process::ExitStatus> last_exit_;
    std::string message_;  // why the last start failed before exec
    ProcessControl::Clock::time_point started_at_;
    Backoff backoff_;
    bool restart_due_ = false;
    std::optional<ProcessControl::TimerId> restart_timer_;
    std::optional<ProcessControl::TimerId> drain_kill_timer_;
    std::unique_ptr<ReadyWatch> readiness_;
    std::vector<std::unique_ptr<OutputRelay>> output_;
};

}  // namespace dev8::supervisor
