#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dev8/app/event_loop.h"
#include "dev8/process/reaper.h"
#include "dev8/status/status.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::supervisor {

class Service;

struct SupervisorOptions {
    std::chrono::milliseconds stop_timeout{8000};
    bool pid1 = true;
    std::map<std::string, std::string> base_env;  // what every child starts from
};

// Owns the services, routes child exits to them, restarts them, and runs the
// stop sequence: SIGTERM to everything at once, SIGKILL after the timeout,
// done when no child is left.
class Supervisor {
  public:
    Supervisor(app::EventLoop& loop, process::Reaper& reaper, SupervisorOptions options);
    ~Supervisor();

    void add(ServiceSpec spec);
    void add_disabled(const std::string& name, const std::string& reason);
    void start_all();

    // On SIGCHLD: reap everything, let services see their exits.
    void reap();
    // SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH go to the main command.
    void forward_to_main(int sig);
    // Begin the stop sequence; `signal` is the stop signal received, if any.
    void stop(std::optional<int> signal = std::nullopt);

    bool stopping() const { return stopping_; }
    bool all_ready() const;
    std::vector<status::ServiceStatus> statuses() const;
    // Called once, when the stop sequence begins, whatever began it.
    void on_stopping(std::function<void()> callback) { on_stopping_ = std::move(callback); }
    // Called once, when stopping and no child is left.
    void on_finished(std::function<void(int exit_code)> callback) {
        on_finished_ = std::move(callback);
    }

  private:
    friend class Service;
    void service_ended(Service& service, const process::ExitStatus& status, bool will_restart);
    void signal_everyone(int sig);
    void check_finished(bool no_children);
    int exit_code() const;

    app::EventLoop& loop_;
    process::Reaper& reaper_;
    SupervisorOptions options_;
    std::vector<std::unique_ptr<Service>> services_;
    std::vector<status::ServiceStatus> disabled_;
    bool stopping_ = false;
    bool finished_ = false;
    std::optional<int> stop_signal_;
    std::optional<int> main_exit_code_;
    std::optional<int> essential_exit_code_;
    std::optional<app::EventLoop::TimerId> kill_timer_;
    std::function<void(int)> on_finished_;
    std::function<void()> on_stopping_;
};

}  // namespace dev8::supervisor
