#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string_view>

namespace dev8::activity {

// Where activity is seen (DESIGN.md §3 DEV8_IDLE_TIMEOUT).
enum class Source { CodeServer, Ssh, Processes, Keepalive };
inline constexpr std::array kSources = {Source::CodeServer, Source::Ssh, Source::Processes,
                                        Source::Keepalive};
// "code_server", "ssh", "processes", "keepalive": the status document's keys.
std::string_view to_string(Source source);

struct IdleSettings {
    std::chrono::milliseconds timeout{0};
    std::chrono::milliseconds warning{0};  // at most `timeout`; 0: no warning
};

// The idle stop's bookkeeping, with no clock or I/O of its own: when each
// source last showed activity, and what is due at a given time.
class IdleClock {
  public:
    using Clock = std::chrono::steady_clock;
    enum class Due { Nothing, Warn, Cancel, Stop };

    IdleClock(IdleSettings settings, Clock::time_point start);

    void saw(Source source, Clock::time_point at);
    // `dev8-init keepalive --for`: activity until `until`.
    void hold_until(Clock::time_point until);
    // The clock starts again at `at`, as at start (after the idle action ran).
    void restart(Clock::time_point at);

    std::optional<Clock::time_point> last(Source source) const;
    std::optional<Clock::time_point> held_until() const { return held_until_; }
    // The latest activity of any source (the start counts as one), a hold
    // that lasts past `now` counting as activity now.
    Clock::time_point last_activity(Clock::time_point now) const;
    Clock::time_point stop_at(Clock::time_point now) const;
    bool warned() const { return warned_; }

    // What the time `now` calls for: a warning once the stop is `warning`
    // away, its cancelling when activity pushed the stop back, the stop.
    Due due(Clock::time_point now);

  private:
    IdleSettings settings_;
    Clock::time_point start_;
    std::array<std::optional<Clock::time_point>, kSources.size()> last_{};
    std::optional<Clock::time_point> held_until_;
    bool warned_ = false;
};

}  // namespace dev8::activity
