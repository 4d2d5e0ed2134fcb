#include "dev8/supervisor/supervisor.h"

#include <spdlog/spdlog.h>

#include "dev8/process/signals.h"
#include "service.h"

namespace dev8::supervisor {

std::string_view to_string(ServiceState state) {
    switch (state) {
        case ServiceState::Starting:
            return "starting";
        case ServiceState::Ready:
            return "ready";
        case ServiceState::Backoff:
            return "backoff";
        case ServiceState::Stopping:
            return "stopping";
        case ServiceState::Stopped:
            return "stopped";
        case ServiceState::Failed:
            return "failed";
        case ServiceState::Disabled:
            return "disabled";
    }
    return "failed";
}

Supervisor::Supervisor(ProcessControl& control, SupervisorOptions options)
    : control_(control), options_(std::move(options)) {}

Supervisor::~Supervisor() = default;

void Supervisor::add(ServiceSpec spec) {
    services_.push_back(std::make_unique<Service>(*this, std::move(spec)));
}

void Supervisor::add_disabled(const std::string& name, const std::string& reason) {
    ServiceReport report;
    report.name = name;
    report.state = ServiceState::Disabled;
    report.message = reason;
    disabled_.push_back(std::move(report));
}

void Supervisor::start_all() {
    start_where([](const ServiceSpec&) { return true; });
}

void Supervisor::start_where(const std::function<bool(const ServiceSpec&)>& may_start) {
    for (auto& service : services_) {
        if (stopping_) return;
        if (!service->started() && may_start(service->spec())) service->start();
    }
}

void Supervisor::on_reaped() {
    for (auto& service : services_) service->on_reaped();
}

void Supervisor::forward_to_main(int sig) {
    for (auto& service : services_) {
        if (!service->spec().is_main) continue;
        if (auto pid = service->pid()) {
            spdlog::debug("forwarding {} to the main command (pid {})", process::signal_name(sig),
                          *pid);
            control_.signal(*pid, sig);
        }
    }
}

void Supervisor::stop() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& service : services_) service->stop();
}

void Supervisor::flush_output() {
    for (auto& service : services_) service->flush_output();
}

void Supervisor::service_ended(Service& service, const process::ExitStatus& exit) {
    if (service.spec().is_main) {
        main_exit_code_ = exit.shell_code();
    } else if (service.spec().essential) {
        essential_exit_code_ = exit.success() ? 0 : 1;
        spdlog::error("{}: essential service ended; stopping the container", service.spec().name);
    } else {
        return;
    }
    if (on_stop_needed_) on_stop_needed_();
}

int Supervisor::exit_code(std::optional<int> stop_signal) const {
    bool has_main = false;
    for (const auto& service : services_) has_main = has_main || service->spec().is_main;
    if (has_main) {
        if (main_exit_code_) return *main_exit_code_;
        for (const auto& service : services_) {
            if (service->spec().is_main && service->report().last_exit) {
                return service->report().last_exit->shell_code();
            }
        }
        return stop_signal ? 128 + *stop_signal : 0;
    }
    return essential_exit_code_.value_or(0);
}

bool Supervisor::ready() const {
    for (const auto& service : services_) {
        if (service->spec().required() && !service->ready() && !service->completed()) return false;
    }
    return true;
}

std::vector<ServiceReport> Supervisor::reports() const {
    std::vector<ServiceReport> all;
    for (const auto& service : services_) all.push_back(service->report());
    all.insert(all.end(), disabled_.begin(), disabled_.end());
    return all;
}

}  // namespace dev8::supervisor
