#include "dev8/github/token_refresher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "dev8/config/config.h"
#include "dev8/log/redactor.h"
#include "dev8/process/memory.h"

namespace dev8::github {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// A Retry-After beyond this is taken for a broken header, not a plan.
constexpr seconds kMaxRetryAfter = 1h;

double in_seconds(milliseconds delay) {
    return static_cast<double>(delay.count()) / 1000.0;
}

bool failed(TokenState state) {
    return state == TokenState::Unreachable || state == TokenState::RateLimited;
}

}  // namespace

milliseconds next_check_delay(const TokenCheck& check, milliseconds interval, int failures) {
    if (!failed(check.state)) return interval;
    if (check.retry_after) {
        return std::clamp<milliseconds>(*check.retry_after, kMinRetry, kMaxRetryAfter);
    }
    milliseconds cap = std::max<milliseconds>(interval, kMinRetry);
    milliseconds delay = kMinRetry;
    for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
    return std::min(delay, cap);
}

TokenRefresher::TokenRefresher(RefreshSettings settings, TokenStatus& status, ApplyToken apply)
    : settings_(std::move(settings)),
      status_(status),
      apply_(std::move(apply)),
      token_(settings_.token) {}

TokenRefresher::~TokenRefresher() {
    request_stop();
}

void TokenRefresher::start() {
    if (settings_.token_applied) applied_ = token_;
    auto last = status_.last();
    if (last && failed(last->state)) failures_ = 1;
    // Without a token yet, look at once: it may have come during the init steps.
    auto first_delay = token_.empty() ? 0ms
                       : last         ? next_check_delay(*last, settings_.interval, failures_)
                                      : settings_.interval;
    status_.schedule(system_clock::now() + first_delay);
    busy_ = true;
    thread_ = std::jthread([this, first_delay](std::stop_token stop) {
        run(stop, first_delay);
        busy_ = false;
    });
}

void TokenRefresher::check_now() {
    std::lock_guard lock(mutex_);
    if (hold_until_ && steady_clock::now() < *hold_until_) {
        spdlog::info("GitHub asked to wait (rate limit): the token is checked again in {:.0f} s",
                     in_seconds(duration_cast<milliseconds>(*hold_until_ - steady_clock::now())));
        return;
    }
    check_now_ = true;
    wake_.notify_all();
}

void TokenRefresher::request_stop() {
    thread_.request_stop();
}

void TokenRefresher::run(std::stop_token stop, milliseconds delay) {
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, stop, steady_clock::now() + delay,
                             [this] { return check_now_; });
            if (stop.stop_requested()) return;
            check_now_ = false;
        }
        try {
            delay = check(stop);
        } catch (const std::exception& e) {
            // The thread goes on: a check that throws is a failed check.
            spdlog::error("GitHub token check failed: internal error: {}", e.what());
            delay = std::max<milliseconds>(settings_.interval, kMinRetry);
        }
        // A check runs libcurl and OpenSSL, several MiB of code that then
        // sits idle for an interval.
        process::release_code_pages();
    }
}

milliseconds TokenRefresher::check(std::stop_token stop) {
    auto token = current_token();
    // No token yet (a secret manager writes GITHUB_TOKEN_FILE later): nothing
    // to check; a change of the file, or SIGHUP, wakes the thread sooner.
    if (token.empty()) return settings_.interval;
    auto result = check_token(settings_.api_url, token, stop);
    if (stop.stop_requested()) return 0ms;
    failures_ = failed(result.state) ? failures_ + 1 : 0;
    // Handed on before it is recorded: once the status shows a new token's
    // login, gh, git and the shells have it.
    if (result.state == TokenState::Valid && applied_ != token) pass_on(token, result, stop);
    if (stop.stop_requested()) return 0ms;
    auto previous = status_.last();
    status_.record(result);
    auto delay = next_check_delay(result, settings_.interval, failures_);
    report(previous, status_.last().value_or(result), delay);
    status_.schedule(system_clock::now() + delay);
    std::lock_guard lock(mutex_);
    hold_until_.reset();
    if (result.state == TokenState::RateLimited) hold_until_ = steady_clock::now() + delay;
    return delay;
}

// One line when the token's state changes, not at every check.
void TokenRefresher::report(const std::optional<TokenCheck>& previous, const TokenCheck& now,
                            milliseconds delay) {
    bool changed = !previous || previous->state != now.state;
    switch (now.state) {
        case TokenState::Valid:
            if (previous && previous->state != TokenState::Valid)
                spdlog::info("GitHub token valid again ({})", now.detail);
            return;
        case TokenState::Invalid:
        case TokenState::Expired:
            if (changed) {
                spdlog::warn(
                    "GitHub token {}: {}; git, gh and Copilot fail until it is replaced "
                    "(checked again every {:.0f} s)",
                    to_string(now.state), now.detail, in_seconds(delay));
            }
            return;
        case TokenState::RateLimited:
        case TokenState::Unreachable:
            spdlog::log(changed ? spdlog::level::warn : spdlog::level::debug,
                        "GitHub token check failed: {}; next check in {:.0f} s", now.detail,
                        in_seconds(delay));
            return;
    }
}

std::string TokenRefresher::current_token() {
    if (!settings_.token_file) return token_;
    auto read = config::read_secret_file(*settings_.token_file);
    if (!read) {
        if (!file_error_)
            spdlog::warn("GITHUB_TOKEN_FILE: {}; checking the last token read", read.error());
        file_error_ = true;
        return token_;
    }
    file_error_ = false;
    // Empty: caught between the truncation and the write of an in-place rewrite.
    if (read->empty() || *read == token_) return token_;
    log::redactor().add(*read);
    bool first = token_.empty();
    token_ = std::move(*read);
    spdlog::info(first ? "GITHUB_TOKEN_FILE now holds a token: checking it"
                       : "GITHUB_TOKEN_FILE changed: checking the new token");
    return token_;
}

void TokenRefresher::pass_on(const std::string& token, const TokenCheck& result,
                             std::stop_token stop) {
    auto applied = apply_(token, result, stop);
    if (stop.stop_requested()) return;
    if (!applied) {
        spdlog::warn("GitHub token valid, but handing it on failed: {}", applied.error());
        return;
    }
    bool rotated = applied_.has_value() || token != settings_.token;
    applied_ = token;
    if (rotated)
        spdlog::info("GitHub token rotated: {}; {}", result.detail, *applied);
    else
        spdlog::info("GitHub token handed on: {}", *applied);
}

}  // namespace dev8::github
