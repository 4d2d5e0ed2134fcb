#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/process/reaper.h"
#include "dev8/supervisor/process_control.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::supervisor {

class Service;

enum class ServiceState { Starting, Ready, Backoff, Stopping, Stopped, Failed, Disabled };
std::string_view to_string(ServiceState state);

// Where one service stands, as the status shows it.
struct ServiceReport {
    std::string name;
    ServiceState state = ServiceState::Stopped;
    std::optional<pid_t> pid;
    uint64_t restarts = 0;
    std::optional<process::ExitStatus> last_exit;
    std::string message;    // why it is disabled, or why its last start failed
    bool required = false;  // ServiceSpec::required(): counts for readiness
};

struct SupervisorOptions {
    // How long a service's leftover process group gets between SIGTERM and
    // SIGKILL before a restart.
    std::chrono::milliseconds stop_timeout{8000};
    std::map<std::string, std::string> base_env;  // what every child starts from
};

// Owns the services: starts them, sees their exits, drains what a run left
// in its process group, restarts with backoff, and decides the container's
// exit code. The signals and the stop sequence are PID 1's (app/pid1.cpp).
class Supervisor {
  public:
    Supervisor(ProcessControl& control, SupervisorOptions options);
    ~Supervisor();

    void add(ServiceSpec spec);
    void add_disabled(const std::string& name, const std::string& reason);
    // Starts every service not started yet, or those `may_start` picks.
    void start_all();
    void start_where(const std::function<bool(const ServiceSpec&)>& may_start);

    // After each reap: a service whose last process group is gone may restart.
    void on_reaped();
    // SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH go to the main command.
    void forward_to_main(int sig);
    // The container is stopping: nothing is started or restarted any more.
    void stop();
    bool stopping() const { return stopping_; }
    // Relays what is still in the output pipes (the container is about to exit).
    void flush_output();

    // Called when the main command ends or an essential service ends for
    // good: the container has to stop.
    void on_stop_needed(std::function<void()> callback) { on_stop_needed_ = std::move(callback); }
    // DESIGN.md §10, once nothing is left: the main command's code (128+N for
    // the stop signal N that ended it), else 1 when an essential service
    // failed, else 0.
    int exit_code(std::optional<int> stop_signal) const;

    // Every required service ready (or done, for a one-shot job that exited 0).
    bool ready() const;
    std::vector<ServiceReport> reports() const;

  private:
    friend class Service;
    void service_ended(Service& service, const process::ExitStatus& status);

    ProcessControl& control_;
    SupervisorOptions options_;
    std::vector<std::unique_ptr<Service>> services_;
    std::vector<ServiceReport> disabled_;
    bool stopping_ = false;
    std::optional<int> main_exit_code_;
    std::optional<int> essential_exit_code_;
    std::function<void()> on_stop_needed_;
};

}  // namespace dev8::supervisor
