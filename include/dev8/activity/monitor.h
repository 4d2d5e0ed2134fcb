#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "dev8/activity/idle_clock.h"
#include "dev8/activity/keepalive.h"
#include "dev8/activity/proc.h"
#include "dev8/loop/event_loop.h"
#include "dev8/loop/file_watch.h"

namespace dev8::activity {

struct MonitorSettings {
    IdleSettings idle;
    double cpu_percent = 5;  // of one CPU, over a check interval
    uid_t developer_uid = 0;
    std::string heartbeat_path;        // code-server's; empty when it is off
    std::optional<uint16_t> ssh_port;  // sshd's, when it is on
    std::string keepalive_path;
    gid_t socket_gid = 0;
    std::string pts_dir = "/dev/pts";
};

struct MonitorHooks {
    // The services' own processes: their CPU is their idle baseline, not the
    // developer's work (what they start still counts).
    std::function<std::set<pid_t>()> service_pids;
    // Every source has been quiet for the timeout.
    std::function<void(const std::string& reason)> idle;
};

// What the status document's `activity` shows.
struct ActivityReport {
    using Time = std::chrono::system_clock::time_point;
    bool on = false;
    std::chrono::milliseconds timeout{0};
    std::optional<Time> last_activity;
    double idle_for_s = 0;
    std::optional<Time> idle_stop_at;
    std::optional<Time> keepalive_until;
    bool warned = false;
    std::array<std::optional<Time>, kSources.size()> sources{};
};

// The idle stop: activity from code-server's heartbeat file (inotify), ssh
// connections and the developer's CPU (sampled on one coarse timer, at most
// once a minute for timeouts of 5 minutes and more) and keepalives (a
// datagram socket); a warning in the log and on the developer's terminals,
// then the `idle` hook. Nothing of this exists while the idle stop is off.
class ActivityMonitor {
  public:
    ActivityMonitor(loop::EventLoop& loop, MonitorSettings settings, MonitorHooks hooks);
    ~ActivityMonitor();
    ActivityMonitor(const ActivityMonitor&) = delete;
    ActivityMonitor& operator=(const ActivityMonitor&) = delete;

    void start();
    // The idle clock starts again now (after the idle action ran).
    void restart();
    ActivityReport report() const;
    // The time between samples of the polled sources.
    std::chrono::milliseconds period() const { return period_; }

  private:
    using Clock = IdleClock::Clock;

    void tick();
    void sample(Clock::time_point now);
    void saw();
    void act(IdleClock::Due due, Clock::time_point now);
    void schedule(Clock::time_point now);
    void watch_heartbeat();
    std::string last_seen_text(Clock::time_point now) const;

    loop::EventLoop& loop_;
    MonitorSettings settings_;
    MonitorHooks hooks_;
    IdleClock clock_;
    std::chrono::milliseconds period_;
    KeepaliveSocket keepalive_;
    std::unique_ptr<loop::FileWatch> heartbeat_;
    std::optional<CpuSample> cpu_;
    Clock::time_point cpu_at_;
    std::optional<loop::EventLoop::TimerId> timer_;
    bool stopped_ = false;
};

}  // namespace dev8::activity
