#include "dev8/app/pid1.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <thread>

#include "dev8/process/descendants.h"
#include "dev8/process/signals.h"
#include "dev8/process/spawn.h"
#include "dev8/supervisor/output_relay.h"
#include "dev8/supervisor/readiness.h"

namespace dev8::app {

void become_reaper() {
    if (::getpid() == 1) return;
    if (process::become_subreaper()) {
        spdlog::warn(
            "not running as PID 1: registered as child subreaper, so orphans of the "
            "services are still reaped; use dev8-init as the container's ENTRYPOINT");
    } else {
        spdlog::warn(
            "not running as PID 1 and the kernel refused PR_SET_CHILD_SUBREAPER: "
            "orphans will not be reaped by dev8-init");
    }
}

LiveProcesses::LiveProcesses(loop::EventLoop& loop, process::Reaper& reaper, bool pid1)
    : loop_(loop),
      reaper_(reaper),
      pid1_(pid1),
      random_(static_cast<unsigned>(::getpid()) ^
              static_cast<unsigned>(Clock::now().time_since_epoch().count())) {}

std::expected<supervisor::Run, process::SpawnError> LiveProcesses::spawn(
    const std::string& name, const process::SpawnSpec& spec) {
    auto child = process::spawn(spec, reaper_);
    if (!child) return std::unexpected(child.error());
    supervisor::Run run{.pid = child->pid, .exit = child->exit, .output = {}};
    for (auto [fd, stream] : {std::pair{&child->stdout_fd, log::Stream::Out},
                              std::pair{&child->stderr_fd, log::Stream::Err}}) {
        if (*fd)
            run.output.push_back(
                std::make_unique<supervisor::OutputRelay>(loop_, name, stream, std::move(*fd)));
    }
    return run;
}

bool LiveProcesses::signal(pid_t pid, int sig) {
    return ::kill(pid, sig) == 0;
}

// Exactly one signal per process: a one-shot SIGTERM handler must not meet a
// second SIGTERM. As PID 1, kill(-1) reaches every process of the namespace;
// as a subreaper, every process is below us.
void LiveProcesses::signal_everyone(int sig) {
    if (pid1_) {
        ::kill(-1, sig);
        return;
    }
    for (pid_t pid : process::descendants_of(::getpid())) ::kill(pid, sig);
}

process::Reaper::Result LiveProcesses::reap() {
    return reaper_.reap();
}

LiveProcesses::TimerId LiveProcesses::after(std::chrono::milliseconds delay,
                                            std::function<void()> callback) {
    return loop_.after(delay, std::move(callback));
}

void LiveProcesses::cancel(TimerId id) {
    loop_.cancel(id);
}

std::unique_ptr<supervisor::ReadyWatch> LiveProcesses::watch_ready(
    const supervisor::ReadyProbe& probe, std::function<void()> ready) {
    return std::make_unique<supervisor::ReadinessWatch>(
        probe, [this, ready = std::move(ready)] { loop_.post(ready); });
}

double LiveProcesses::jitter() {
    return std::uniform_real_distribution<double>(-1.0, 1.0)(random_);
}

Pid1::Pid1(supervisor::ProcessControl& control, supervisor::Supervisor& supervisor,
           std::chrono::milliseconds stop_timeout, Hooks hooks)
    : control_(control),
      supervisor_(supervisor),
      stop_timeout_(stop_timeout),
      hooks_(std::move(hooks)) {
    supervisor_.on_stop_needed([this] { stop(); });
}

void Pid1::watch_signals(loop::EventLoop& loop) {
    signal_fd_ = process::open_signalfd();
    loop.watch(signal_fd_.get(), EPOLLIN, [this](uint32_t) { read_signals(); });
}

void Pid1::read_signals() {
    signalfd_siginfo info;
    while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
        on_signal(static_cast<int>(info.ssi_signo));
    }
}

void Pid1::on_signal(int sig) {
    switch (sig) {
        case SIGCHLD:
            reap();
            return;
        case SIGTERM:
        case SIGINT:
        case SIGQUIT:
            if (!stopping_) spdlog::info("received {}", process::signal_name(sig));
            stop(sig);
            return;
        case SIGTTIN:
        case SIGTTOU:
            return;
        case SIGHUP:
            if (hooks_.reload) hooks_.reload();
            supervisor_.forward_to_main(sig);
            return;
        default:
            if (process::is_forwarded(sig)) supervisor_.forward_to_main(sig);
    }
}

// One waitpid loop for every child: the services', the workers' (gh, git)
// and the orphans re-parented to us.
void Pid1::reap() {
    auto result = control_.reap();
    supervisor_.on_reaped();
    if (stopping_ && result.no_children) finish();
}

void Pid1::stop(std::optional<int> signal) {
    if (stopping_) return;
    stopping_ = true;
    stop_signal_ = signal;
    if (hooks_.stopping) hooks_.stopping();
    supervisor_.stop();
    spdlog::info("stopping: SIGTERM to every process; SIGKILL in {:.1f} s",
                 static_cast<double>(stop_timeout_.count()) / 1000.0);
    control_.signal_everyone(SIGTERM);
    kill_timer_ = control_.after(stop_timeout_, [this] {
        kill_timer_.reset();
        spdlog::warn("stop timeout reached: SIGKILL to every process left");
        control_.signal_everyone(SIGKILL);
    });
    reap();
}

void Pid1::stop_without_loop() {
    using namespace std::chrono_literals;
    stopping_ = true;
    supervisor_.stop();
    control_.signal_everyone(SIGTERM);
    auto deadline = control_.now() + stop_timeout_;
    bool killed = false;
    while (!control_.reap().no_children) {
        if (!killed && control_.now() >= deadline) {
            control_.signal_everyone(SIGKILL);
            killed = true;
        }
        std::this_thread::sleep_for(10ms);
    }
    supervisor_.flush_output();
}

// The exit code is decided only now that nothing is left (DESIGN.md §7).
void Pid1::finish() {
    if (finished_) return;
    finished_ = true;
    supervisor_.flush_output();
    if (kill_timer_) control_.cancel(*kill_timer_);
    kill_timer_.reset();
    if (hooks_.finished) hooks_.finished(supervisor_.exit_code(stop_signal_));
}

}  // namespace dev8::app
