#include "dev8/github/token_status.h"

#include <spdlog/spdlog.h>

#include <ctime>

namespace dev8::github {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

std::optional<system_clock::time_point> parse_rfc3339(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    std::tm tm{};
    if (!::strptime(text->c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return std::nullopt;
    return system_clock::from_time_t(::timegm(&tm));
}

}  // namespace

void TokenStatus::record(const TokenCheck& check) {
    std::lock_guard lock(mutex_);
    present_ = true;
    auto previous = last_;
    last_ = check;
    auto now = system_clock::now();
    // A check that could not reach GitHub says nothing new about who the token is.
    if (check.state != TokenState::Valid && previous && previous->state == TokenState::Valid) {
        if (last_->login.empty()) last_->login = previous->login;
        if (last_->scopes.empty()) last_->scopes = previous->scopes;
        if (!last_->expires_at) last_->expires_at = previous->expires_at;
    }
    // GitHub answers 401 for an expired token as for a revoked one; the
    // expiry it told us earlier tells them apart.
    auto expiry = parse_rfc3339(last_->expires_at);
    if (check.state == TokenState::Invalid && expiry && *expiry <= now) {
        last_->state = TokenState::Expired;
        last_->detail = "the token expired at " + *last_->expires_at;
    }
    if (last_->state == TokenState::Valid && expiry && *expiry - now < 24h &&
        (!expiry_warned_at_ || now - *expiry_warned_at_ >= 1h)) {
        auto hours = duration_cast<minutes>(*expiry - now).count() / 60.0;
        spdlog::warn("GitHub token expires at {} (in {:.1f} h): replace it before then",
                     *last_->expires_at, hours);
        expiry_warned_at_ = now;
    }
    checked_at_ = now;
}

void TokenStatus::schedule(system_clock::time_point next) {
    std::lock_guard lock(mutex_);
    next_check_ = next;
}

std::optional<TokenCheck> TokenStatus::last() const {
    std::lock_guard lock(mutex_);
    return last_;
}

TokenReport TokenStatus::report() const {
    std::lock_guard lock(mutex_);
    return {
        .present = present_, .last = last_, .checked_at = checked_at_, .next_check = next_check_};
}

}  // namespace dev8::github
