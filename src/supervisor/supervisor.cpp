#include "dev8/supervisor/supervisor.h"

#include <signal.h>
#include <unistd.h>

#include "dev8/process/descendants.h"
#include "dev8/process/signals.h"
#include "service.h"

namespace dev8::supervisor {

Supervisor::Supervisor(app::EventLoop& loop, process::Reaper& reaper, SupervisorOptions options)
    : loop_(loop), reaper_(reaper), options_(std::move(options)) {}

Supervisor::~Supervisor() = default;

void Supervisor::add(ServiceSpec spec) {
    services_.push_back(std::make_unique<Service>(*this, std::move(spec)));
}

void Supervisor::add_disabled(const std::string& name, const std::string& reason) {
    disabled_.push_back({.name = name,
                         .state = "disabled",
                         .pid = {},
                         .restarts = 0,
                         .last_exit = {},
                         .message = reason});
}

void Supervisor::start_all() {
    for (auto& service : services_) {
        if (stopping_) return;
        service->start();
    }
}

void Supervisor::reap() {
    auto result = reaper_.reap();
    for (auto& service : services_) service->on_reaped();
    check_finished(result.no_children);
}

void Supervisor::forward_to_main(int sig) {
    for (auto& service : services_) {
        if (!service->spec().is_main) continue;
        if (auto pid = service->pid()) {
            spdlog::debug("forwarding {} to the main command (pid {})", process::signal_name(sig),
                          *pid);
            ::kill(*pid, sig);
        }
    }
}

void Supervisor::stop(std::optional<int> signal) {
    if (stopping_) return;
    stopping_ = true;
    stop_signal_ = signal;
    if (on_stopping_) on_stopping_();
    for (auto& service : services_) service->stop();
    spdlog::info("stopping: SIGTERM to every process; SIGKILL in {:.1f} s",
                 static_cast<double>(options_.stop_timeout.count()) / 1000.0);
    signal_everyone(SIGTERM);
    kill_timer_ = loop_.after(options_.stop_timeout, [this] {
        kill_timer_.reset();
        spdlog::warn("stop timeout reached: SIGKILL to every process left");
        signal_everyone(SIGKILL);
    });
    reap();
}

// Exactly one signal per process: a one-shot SIGTERM handler must not meet a
// second SIGTERM. As PID 1, kill(-1) reaches every process of the namespace;
// as a subreaper, every process is below us.
void Supervisor::signal_everyone(int sig) {
    if (options_.pid1) {
        ::kill(-1, sig);
        return;
    }
    for (pid_t pid : process::descendants_of(::getpid())) ::kill(pid, sig);
}

void Supervisor::check_finished(bool no_children) {
    if (!stopping_ || finished_ || !no_children) return;
    finished_ = true;
    for (auto& service : services_) service->flush_output();
    if (kill_timer_) loop_.cancel(*kill_timer_);
    if (on_finished_) on_finished_(exit_code());
}

void Supervisor::service_ended(Service& service, const process::ExitStatus& exit,
                               bool will_restart) {
    if (service.spec().is_main) {
        main_exit_code_ = exit.shell_code();
        stop();
        return;
    }
    if (service.spec().essential && !will_restart) {
        essential_exit_code_ = exit.success() ? 0 : 1;
        spdlog::error("{}: essential service ended; stopping the container", service.spec().name);
        stop();
    }
}

int Supervisor::exit_code() const {
    bool has_main = false;
    for (const auto& service : services_) has_main = has_main || service->spec().is_main;
    if (has_main) {
        if (main_exit_code_) return *main_exit_code_;
        for (const auto& service : services_) {
            if (service->spec().is_main && service->status().last_exit) {
                return service->status().last_exit->shell_code();
            }
        }
        return stop_signal_ ? 128 + *stop_signal_ : 0;
    }
    return essential_exit_code_.value_or(0);
}

bool Supervisor::all_ready() const {
    for (const auto& service : services_) {
        if (!service->ready() && !service->completed()) return false;
    }
    return true;
}

std::vector<status::ServiceStatus> Supervisor::statuses() const {
    std::vector<status::ServiceStatus> all;
    for (const auto& service : services_) all.push_back(service->status());
    all.insert(all.end(), disabled_.begin(), disabled_.end());
    return all;
}

}  // namespace dev8::supervisor
