#include "dev8/activity/monitor.h"

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "dev8/activity/terminals.h"
#include "dev8/config/config.h"

namespace dev8::activity {
namespace {

using namespace std::chrono_literals;

constexpr auto kMinPeriod = 50ms;
constexpr auto kMaxPeriod = 60'000ms;

// A fifth of the shortest span that matters (the warning, else the
// timeout): one wake-up a minute for the usual 5-minute warning.
std::chrono::milliseconds period_for(const IdleSettings& idle) {
    auto span = idle.warning.count() > 0 ? std::min(idle.warning, idle.timeout) : idle.timeout;
    return std::clamp(span / 5, std::chrono::milliseconds(kMinPeriod),
                      std::chrono::milliseconds(kMaxPeriod));
}

std::chrono::system_clock::time_point wall(IdleClock::Clock::time_point at) {
    auto ago = IdleClock::Clock::now() - at;
    return std::chrono::system_clock::now() -
           std::chrono::duration_cast<std::chrono::system_clock::duration>(ago);
}

std::chrono::milliseconds ms(IdleClock::Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// A span for a message, to a tenth of a second: "1s", not "999ms".
std::string human(IdleClock::Clock::duration d) {
    auto tenths = (ms(d).count() + 50) / 100;
    return config::format_duration(std::chrono::milliseconds(tenths * 100));
}

std::string_view shown(Source source) {
    return source == Source::CodeServer ? "code-server" : to_string(source);
}

}  // namespace

ActivityMonitor::ActivityMonitor(loop::EventLoop& loop, MonitorSettings settings,
                                 MonitorHooks hooks)
    : loop_(loop),
      settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      clock_(settings_.idle, Clock::now()),
      period_(period_for(settings_.idle)),
      keepalive_(loop, [this](const KeepaliveRequest& request) {
          auto now = Clock::now();
          clock_.saw(Source::Keepalive, now);
          if (request.hold.count() > 0) {
              clock_.hold_until(now + request.hold);
              spdlog::info("keepalive: the workspace counts as active for {}",
                           config::format_duration(request.hold));
          }
          saw();
      }) {}

ActivityMonitor::~ActivityMonitor() {
    if (timer_) loop_.cancel(*timer_);
}

void ActivityMonitor::start() {
    if (auto listening = keepalive_.listen(settings_.keepalive_path, settings_.socket_gid);
        !listening)
        spdlog::warn("keepalive socket unavailable ({}); `dev8-init keepalive` will not reach us",
                     listening.error());
    watch_heartbeat();
    auto now = Clock::now();
    clock_.restart(now);
    sample(now);
    spdlog::info("idle stop on: after {} without activity{}, checking every {}",
                 config::format_duration(settings_.idle.timeout),
                 settings_.idle.warning.count() > 0
                     ? fmt::format(", warning {} before",
                                   config::format_duration(
                                       std::min(settings_.idle.warning, settings_.idle.timeout)))
                     : std::string(),
                 config::format_duration(period_));
    schedule(now);
}

void ActivityMonitor::restart() {
    stopped_ = false;
    auto now = Clock::now();
    clock_.restart(now);
    schedule(now);
}

// code-server creates its data folder on its first start: until then the
// watch is tried again at each tick.
void ActivityMonitor::watch_heartbeat() {
    if (settings_.heartbeat_path.empty() || (heartbeat_ && heartbeat_->watching())) return;
    heartbeat_ = std::make_unique<loop::FileWatch>(loop_, settings_.heartbeat_path, [this] {
        clock_.saw(Source::CodeServer, Clock::now());
        saw();
    });
}

void ActivityMonitor::sample(Clock::time_point now) {
    if (settings_.ssh_port && ssh_connections(*settings_.ssh_port) > 0)
        clock_.saw(Source::Ssh, now);
    auto excluded = hooks_.service_pids ? hooks_.service_pids() : std::set<pid_t>{};
    excluded.insert(::getpid());
    auto cpu = sample_cpu(settings_.developer_uid, excluded);
    if (cpu_) {
        auto used = cpu_used(*cpu_, cpu);
        auto span = ms(now - cpu_at_);
        if (span.count() > 0 &&
            static_cast<double>(used.count()) * 100.0 / static_cast<double>(span.count()) >=
                settings_.cpu_percent)
            clock_.saw(Source::Processes, now);
    }
    cpu_ = std::move(cpu);
    cpu_at_ = now;
}

void ActivityMonitor::tick() {
    timer_.reset();
    if (stopped_) return;
    auto now = Clock::now();
    watch_heartbeat();
    sample(now);
    act(clock_.due(now), now);
    if (!stopped_) schedule(now);
}

// Activity heard between ticks (heartbeat, keepalive) cancels a warning at once.
void ActivityMonitor::saw() {
    if (stopped_ || !clock_.warned()) return;
    auto now = Clock::now();
    act(clock_.due(now), now);
    if (!stopped_) schedule(now);
}

void ActivityMonitor::act(IdleClock::Due due, Clock::time_point now) {
    auto idle_for = human(now - clock_.last_activity(now));
    switch (due) {
        case IdleClock::Due::Nothing:
            return;
        case IdleClock::Due::Warn: {
            auto left = human(clock_.stop_at(now) - now);
            spdlog::warn("idle for {}: the workspace stops in {} unless there is activity ({})",
                         idle_for, left, last_seen_text(now));
            size_t told = tell_terminals(
                settings_.developer_uid,
                fmt::format("\ndev8-init: this workspace has been idle for {} and stops in {}.\n"
                            "Run `dev8-init keepalive` (or `dev8-init keepalive --for 1h`) to "
                            "keep it running.\n",
                            idle_for, left),
                settings_.pts_dir);
            spdlog::debug("idle warning written to {} terminal{}", told, told == 1 ? "" : "s");
            return;
        }
        case IdleClock::Due::Cancel:
            spdlog::info("idle stop cancelled: activity ({})", last_seen_text(now));
            tell_terminals(settings_.developer_uid,
                           "\ndev8-init: idle stop cancelled; the workspace keeps running.\n",
                           settings_.pts_dir);
            return;
        case IdleClock::Due::Stop: {
            stopped_ = true;
            auto reason =
                fmt::format("idle for {} (DEV8_IDLE_TIMEOUT {}; {})", idle_for,
                            config::format_duration(settings_.idle.timeout), last_seen_text(now));
            if (hooks_.idle) hooks_.idle(reason);
            return;
        }
    }
}

void ActivityMonitor::schedule(Clock::time_point now) {
    if (timer_) loop_.cancel(*timer_);
    auto next = now + period_;
    auto stop = clock_.stop_at(now);
    auto warning = std::min(settings_.idle.warning, settings_.idle.timeout);
    if (!clock_.warned() && warning.count() > 0) next = std::min(next, stop - warning);
    next = std::min(next, stop);
    auto delay = std::max(ms(next - now), std::chrono::milliseconds(1));
    timer_ = loop_.after(delay, [this] { tick(); });
}

std::string ActivityMonitor::last_seen_text(Clock::time_point now) const {
    std::string text = "last activity:";
    for (auto source : kSources) {
        auto last = clock_.last(source);
        text += fmt::format(" {} {}", shown(source), last ? human(now - *last) + " ago" : "never");
        if (source != kSources.back()) text += ",";
    }
    return text;
}

ActivityReport ActivityMonitor::report() const {
    auto now = Clock::now();
    ActivityReport report;
    report.on = true;
    report.timeout = settings_.idle.timeout;
    auto last = clock_.last_activity(now);
    report.last_activity = wall(last);
    report.idle_for_s = std::chrono::duration<double>(now - last).count();
    report.idle_stop_at = wall(clock_.stop_at(now));
    report.warned = clock_.warned();
    if (auto held = clock_.held_until(); held && *held > now) report.keepalive_until = wall(*held);
    for (auto source : kSources)
        if (auto seen = clock_.last(source))
            report.sources[static_cast<size_t>(source)] = wall(*seen);
    return report;
}

}  // namespace dev8::activity
