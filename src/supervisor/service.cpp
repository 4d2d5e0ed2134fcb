#include "service.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include "dev8/process/signals.h"

namespace dev8::supervisor {
namespace {

using namespace std::chrono;

std::string describe(const process::ExitStatus& exit) {
    if (exit.code) return "exited with code " + std::to_string(*exit.code);
    return "was killed by " + process::signal_name(exit.signal.value_or(0));
}

}  // namespace

Service::Service(Supervisor& supervisor, ServiceSpec spec)
    : supervisor_(supervisor), spec_(std::move(spec)) {}

void Service::start() {
    if (supervisor_.stopping()) return;
    restart_due_ = false;
    readiness_.reset();
    ++generation_;
    // A run that fails in its preparation lasted no time at all, so the
    // backoff grows as for a crash at exec.
    started_at_ = control().now();
    auto env = spec_.env;
    if (spec_.prepare) {
        auto prepared = spec_.prepare();
        if (!prepared) {
            start_failed(1, prepared.error());
            return;
        }
        for (auto& [key, value] : *prepared) env[key] = std::move(value);
    }
    bool tty = spec_.is_main && ::isatty(STDIN_FILENO);
    process::SpawnSpec spawn{
        .argv = spec_.command,
        .env = process::child_environment(supervisor_.options_.base_env, spec_.user, env),
        .cwd = spec_.cwd,
        .user = spec_.user,
        .new_process_group = true,
        .foreground_tty = tty,
        .stdin_mode = spec_.is_main ? process::Stdio::Inherit : process::Stdio::Null,
        .stdout_mode = spec_.is_main ? process::Stdio::Inherit : process::Stdio::Pipe,
        .stderr_mode = spec_.is_main ? process::Stdio::Inherit : process::Stdio::Pipe,
    };
    auto run = control().spawn(spec_.name, spawn);
    if (!run) {
        start_failed(run.error().exit_code, run.error().message);
        return;
    }
    message_.clear();
    pid_ = run->pid;
    pgid_ = run->pid;
    output_ = std::move(run->output);
    bool probed = !std::holds_alternative<std::monostate>(spec_.ready);
    state_ = probed ? ServiceState::Starting : ServiceState::Ready;
    spdlog::info("{}: started (pid {})", spec_.name, run->pid);
    if (probed) {
        readiness_ = control().watch_ready(
            spec_.ready, [this, generation = generation_] { on_ready(generation); });
    }
    run->exit->on_exit([this](const process::ExitStatus& exit) { on_exit(exit); });
}

// A run that never got to exec counts as one that exited at once with `code`,
// so it is retried with the same backoff as a crash.
void Service::start_failed(int code, const std::string& reason) {
    spdlog::error("{}: {}", spec_.name, reason);
    message_ = reason;
    on_exit(process::ExitStatus{code, std::nullopt, system_clock::now()});
}

void Service::on_ready(uint64_t generation) {
    if (generation != generation_ || state_ != ServiceState::Starting) return;
    state_ = ServiceState::Ready;
    auto took = duration_cast<milliseconds>(control().now() - started_at_);
    spdlog::info("{}: ready after {} ms", spec_.name, took.count());
}

void Service::on_exit(const process::ExitStatus& exit) {
    pid_.reset();
    last_exit_ = exit;
    if (readiness_) readiness_->cancel();
    if (spec_.is_main && ::isatty(STDIN_FILENO)) ::tcsetpgrp(STDIN_FILENO, ::getpgrp());
    if (supervisor_.stopping()) {
        state_ = ServiceState::Stopped;
        spdlog::info("{}: {}", spec_.name, describe(exit));
        return;
    }
    bool restart =
        !spec_.is_main && (spec_.restart == RestartPolicy::Always ||
                           (spec_.restart == RestartPolicy::OnFailure && !exit.success()));
    drain_group();
    if (!restart) {
        state_ = exit.success() ? ServiceState::Stopped : ServiceState::Failed;
        auto level = exit.success() || spec_.is_main ? spdlog::level::info : spdlog::level::warn;
        spdlog::log(level, "{}: {}", spec_.name, describe(exit));
        supervisor_.service_ended(*this, exit);
        return;
    }
    schedule_restart(exit);
}

void Service::schedule_restart(const process::ExitStatus& exit) {
    auto ran = duration_cast<milliseconds>(control().now() - started_at_);
    auto delay = backoff_.next(ran, control().jitter());
    state_ = ServiceState::Backoff;
    spdlog::warn("{}: {}; restarting in {:.1f} s", spec_.name, describe(exit),
                 static_cast<double>(delay.count()) / 1000.0);
    restart_timer_ = control().after(delay, [this] {
        restart_timer_.reset();
        restart_due_ = true;
        start_when_drained();
    });
}

void Service::start_when_drained() {
    if (!restart_due_ || supervisor_.stopping() || group_alive()) return;
    ++restarts_;
    start();
}

bool Service::group_alive() const {
    return pgid_ && control().signal(-*pgid_, 0);
}

// What the last run left in its process group goes before any restart: a
// killed code-server otherwise leaves a child holding its port.
void Service::drain_group() {
    if (!group_alive()) {
        pgid_.reset();
        return;
    }
    control().signal(-*pgid_, SIGTERM);
    drain_kill_timer_ = control().after(supervisor_.options_.stop_timeout, [this] {
        drain_kill_timer_.reset();
        if (!group_alive()) return;
        spdlog::warn("{}: leftover processes ignored SIGTERM; sending SIGKILL", spec_.name);
        control().signal(-*pgid_, SIGKILL);
    });
}

void Service::on_reaped() {
    if (pid_ || !pgid_ || group_alive()) return;
    pgid_.reset();
    if (drain_kill_timer_) {
        control().cancel(*drain_kill_timer_);
        drain_kill_timer_.reset();
    }
    start_when_drained();
}

void Service::stop() {
    if (restart_timer_) {
        control().cancel(*restart_timer_);
        restart_timer_.reset();
    }
    if (drain_kill_timer_) {
        control().cancel(*drain_kill_timer_);
        drain_kill_timer_.reset();
    }
    if (readiness_) readiness_->cancel();
    if (pid_)
        state_ = ServiceState::Stopping;
    else if (state_ == ServiceState::Backoff)
        state_ = ServiceState::Stopped;
}

void Service::flush_output() {
    for (auto& relay : output_) relay->flush();
}

ServiceReport Service::report() const {
    return {.name = spec_.name,
            .state = state_,
            .pid = pid_,
            .restarts = restarts_,
            .last_exit = last_exit_,
            .message = message_,
            .required = spec_.required()};
}

}  // namespace dev8::supervisor
