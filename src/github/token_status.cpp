#include "dev8/github/token_status.h"

namespace dev8::github {

void TokenStatus::record(const TokenCheck& check) {
    std::lock_guard lock(mutex_);
    present_ = true;
    auto previous = last_;
    last_ = check;
    // A check that could not reach GitHub says nothing new about who the token is.
    if (check.state != TokenState::Valid && previous && previous->state == TokenState::Valid) {
        if (last_->login.empty()) last_->login = previous->login;
        if (last_->scopes.empty()) last_->scopes = previous->scopes;
        if (!last_->expires_at) last_->expires_at = previous->expires_at;
    }
    checked_at_ = std::chrono::system_clock::now();
}

status::GithubStatus TokenStatus::snapshot() const {
    std::lock_guard lock(mutex_);
    status::GithubStatus s;
    if (!present_) return s;
    s.state = "unchecked";
    if (!last_) return s;
    s.state = std::string(to_string(last_->state));
    if (!last_->login.empty()) s.login = last_->login;
    s.scopes = last_->scopes;
    s.expires_at = last_->expires_at;
    if (checked_at_) s.last_checked = status::rfc3339(*checked_at_);
    return s;
}

std::vector<std::string> TokenStatus::degraded() const {
    std::lock_guard lock(mutex_);
    if (!last_) return {};
    switch (last_->state) {
        case TokenState::Invalid:
            return {"github: token invalid"};
        case TokenState::Expired:
            return {"github: token expired"};
        case TokenState::RateLimited:
            return {"github: rate limited"};
        case TokenState::Unreachable:
            return {"github: unreachable"};
        case TokenState::Valid:
            return {};
    }
    return {};
}

}  // namespace dev8::github
