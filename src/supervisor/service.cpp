#include "service.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "dev8/process/signals.h"
#include "dev8/process/spawn.h"

namespace dev8::supervisor {
namespace {

using namespace std::chrono;

std::string describe(const process::ExitStatus& exit) {
    if (exit.code) return "exited with code " + std::to_string(*exit.code);
    return "was killed by " + process::signal_name(exit.signal.value_or(0));
}

double jitter() {
    static std::minstd_rand rng(
        static_cast<unsigned>(::getpid()) ^
        static_cast<unsigned>(steady_clock::now().time_since_epoch().count()));
    return std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
}

}  // namespace

OutputRelay::OutputRelay(app::EventLoop& loop, std::string service, log::Stream stream,
                         fs::UniqueFd fd)
    : loop_(loop), service_(std::move(service)), stream_(stream), fd_(std::move(fd)) {
    // Non-blocking, so a final flush cannot hang on a writer that escaped the stop.
    ::fcntl(fd_.get(), F_SETFL, ::fcntl(fd_.get(), F_GETFL) | O_NONBLOCK);
    loop_.watch(fd_.get(), EPOLLIN, [this](uint32_t) { drain(); });
}

OutputRelay::~OutputRelay() {
    close();
}

void OutputRelay::close() {
    if (!fd_) return;
    loop_.unwatch(fd_.get());
    fd_.reset();
    if (!partial_.empty()) log::relay(service_, stream_, partial_);
    partial_.clear();
}

void OutputRelay::flush() {
    while (fd_ && drain()) {
    }
    close();
}

bool OutputRelay::drain() {
    char buf[16384];
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n < 0 && errno == EAGAIN) return false;
    if (n <= 0) {
        close();
        return false;
    }
    partial_.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
        size_t end = nl > start && partial_[nl - 1] == '\r' ? nl - 1 : nl;
        log::relay(service_, stream_, std::string_view(partial_).substr(start, end - start));
    }
    partial_.erase(0, start);
    if (partial_.size() >= kMaxLine) {
        log::relay(service_, stream_, partial_);
        partial_.clear();
    }
    return true;
}

Service::Service(Supervisor& supervisor, ServiceSpec spec)
    : supervisor_(supervisor), spec_(std::move(spec)) {}

void Service::start() {
    if (supervisor_.stopping()) return;
    restart_due_ = false;
    readiness_.reset();
    ++generation_;
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
    started_at_ = steady_clock::now();
    auto child = process::spawn(spawn, supervisor_.reaper_);
    if (!child) {
        start_failed(child.error().exit_code, child.error().message);
        return;
    }
    message_.clear();
    pid_ = child->pid;
    pgid_ = child->pid;
    state_ = std::holds_alternative<std::monostate>(spec_.ready) ? State::Ready : State::Starting;
    spdlog::info("{}: started (pid {})", spec_.name, child->pid);
    auto& loop = supervisor_.loop_;
    if (child->stdout_fd) {
        stdout_relay_ = std::make_unique<OutputRelay>(loop, spec_.name, log::Stream::Out,
                                                      std::move(child->stdout_fd));
    }
    if (child->stderr_fd) {
        stderr_relay_ = std::make_unique<OutputRelay>(loop, spec_.name, log::Stream::Err,
                                                      std::move(child->stderr_fd));
    }
    if (state_ == State::Starting) {
        auto generation = generation_;
        readiness_ = std::make_unique<ReadinessWatch>(spec_.ready, [this, &loop, generation] {
            loop.post([this, generation] { on_ready(generation); });
        });
    }
    child->exit->on_exit([this](const process::ExitStatus& exit) { on_exit(exit); });
}

// A run that never got to exec counts as one that exited at once with `code`,
// so it is retried with the same backoff as a crash.
void Service::start_failed(int code, const std::string& reason) {
    spdlog::error("{}: {}", spec_.name, reason);
    message_ = reason;
    on_exit(process::ExitStatus{code, std::nullopt, system_clock::now()});
}

void Service::on_ready(uint64_t generation) {
    if (generation != generation_ || state_ != State::Starting) return;
    state_ = State::Ready;
    auto took = duration_cast<milliseconds>(steady_clock::now() - started_at_);
    spdlog::info("{}: ready after {} ms", spec_.name, took.count());
}

void Service::on_exit(const process::ExitStatus& exit) {
    pid_.reset();
    last_exit_ = exit;
    if (readiness_) readiness_->cancel();
    if (spec_.is_main && ::isatty(STDIN_FILENO)) ::tcsetpgrp(STDIN_FILENO, ::getpgrp());
    if (supervisor_.stopping()) {
        state_ = State::Stopped;
        spdlog::info("{}: {}", spec_.name, describe(exit));
        return;
    }
    bool restart =
        !spec_.is_main && (spec_.restart == RestartPolicy::Always ||
                           (spec_.restart == RestartPolicy::OnFailure && !exit.success()));
    drain_group();
    if (!restart) {
        state_ = exit.success() ? State::Stopped : State::Failed;
        auto level = exit.success() || spec_.is_main ? spdlog::level::info : spdlog::level::warn;
        spdlog::log(level, "{}: {}", spec_.name, describe(exit));
        supervisor_.service_ended(*this, exit, false);
        return;
    }
    schedule_restart(exit);
}

void Service::schedule_restart(const process::ExitStatus& exit) {
    auto ran = duration_cast<milliseconds>(steady_clock::now() - started_at_);
    auto delay = backoff_.next(ran, jitter());
    state_ = State::Backoff;
    spdlog::warn("{}: {}; restarting in {:.1f} s", spec_.name, describe(exit),
                 static_cast<double>(delay.count()) / 1000.0);
    restart_timer_ = supervisor_.loop_.after(delay, [this] {
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
    return pgid_ && ::kill(-*pgid_, 0) == 0;
}

// What the last run left in its process group goes before any restart: a
// killed code-server otherwise leaves a child holding its port.
void Service::drain_group() {
    if (!group_alive()) {
        pgid_.reset();
        return;
    }
    ::kill(-*pgid_, SIGTERM);
    drain_kill_timer_ = supervisor_.loop_.after(supervisor_.options_.stop_timeout, [this] {
        drain_kill_timer_.reset();
        if (!group_alive()) return;
        spdlog::warn("{}: leftover processes ignored SIGTERM; sending SIGKILL", spec_.name);
        ::kill(-*pgid_, SIGKILL);
    });
}

void Service::on_reaped() {
    if (pid_ || !pgid_ || group_alive()) return;
    pgid_.reset();
    if (drain_kill_timer_) {
        supervisor_.loop_.cancel(*drain_kill_timer_);
        drain_kill_timer_.reset();
    }
    start_when_drained();
}

void Service::stop() {
    if (restart_timer_) {
        supervisor_.loop_.cancel(*restart_timer_);
        restart_timer_.reset();
    }
    if (drain_kill_timer_) {
        supervisor_.loop_.cancel(*drain_kill_timer_);
        drain_kill_timer_.reset();
    }
    if (readiness_) readiness_->cancel();
    if (pid_)
        state_ = State::Stopping;
    else if (state_ == State::Backoff)
        state_ = State::Stopped;
}

void Service::flush_output() {
    if (stdout_relay_) stdout_relay_->flush();
    if (stderr_relay_) stderr_relay_->flush();
}

status::ServiceStatus Service::status() const {
    static constexpr const char* kNames[] = {"starting", "ready",   "backoff",
                                             "stopping", "stopped", "failed"};
    status::ServiceStatus s;
    s.name = spec_.name;
    s.state = kNames[static_cast<int>(state_)];
    if (pid_) s.pid = *pid_;
    s.restarts = restarts_;
    s.last_exit = last_exit_;
    s.message = message_;
    return s;
}

}  // namespace dev8::supervisor
