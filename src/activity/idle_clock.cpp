#include "dev8/activity/idle_clock.h"

#include <algorithm>

namespace dev8::activity {

std::string_view to_string(Source source) {
    switch (source) {
        case Source::CodeServer:
            return "code_server";
        case Source::Ssh:
            return "ssh";
        case Source::Processes:
            return "processes";
        case Source::Keepalive:
            return "keepalive";
    }
    return "keepalive";
}

IdleClock::IdleClock(IdleSettings settings, Clock::time_point start)
    : settings_(settings), start_(start) {
    settings_.warning = std::min(settings_.warning, settings_.timeout);
}

void IdleClock::saw(Source source, Clock::time_point at) {
    auto& last = last_[static_cast<size_t>(source)];
    if (!last || at > *last) last = at;
}

void IdleClock::hold_until(Clock::time_point until) {
    if (!held_until_ || until > *held_until_) held_until_ = until;
}

void IdleClock::restart(Clock::time_point at) {
    start_ = std::max(start_, at);
    warned_ = false;
}

std::optional<IdleClock::Clock::time_point> IdleClock::last(Source source) const {
    return last_[static_cast<size_t>(source)];
}

IdleClock::Clock::time_point IdleClock::last_activity(Clock::time_point now) const {
    auto latest = start_;
    for (const auto& seen : last_)
        if (seen) latest = std::max(latest, *seen);
    if (held_until_) latest = std::max(latest, std::min(now, *held_until_));
    return latest;
}

IdleClock::Clock::time_point IdleClock::stop_at(Clock::time_point now) const {
    return last_activity(now) + settings_.timeout;
}

IdleClock::Due IdleClock::due(Clock::time_point now) {
    auto stop = stop_at(now);
    if (now >= stop) {
        warned_ = false;
        return Due::Stop;
    }
    bool in_warning = settings_.warning.count() > 0 && now >= stop - settings_.warning;
    if (in_warning && !warned_) {
        warned_ = true;
        return Due::Warn;
    }
    if (!in_warning && warned_) {
        warned_ = false;
        return Due::Cancel;
    }
    return Due::Nothing;
}

}  // namespace dev8::activity
