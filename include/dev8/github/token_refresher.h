#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "dev8/github/api.h"
#include "dev8/github/token_status.h"

namespace dev8::github {

struct RefreshSettings {
    std::string api_url;
    std::chrono::milliseconds interval{300'000};
    std::string token;                      // the token at start; empty until the file holds one
    std::optional<std::string> token_file;  // GITHUB_TOKEN_FILE: re-read at every check
    bool token_applied = false;             // the github-auth step already handed `token` on
};

// Hands a token that GitHub just accepted, and that differs from the last one
// handed over, to gh, git and the shells. Runs on the refresher's thread; the
// value says what was done, the error why it failed (one line each).
using ApplyToken = std::function<std::expected<std::string, std::string>(
    const std::string& token, const TokenCheck& check, std::stop_token stop)>;

// Errors are retried after 15 s, doubling up to the interval (never sooner
// than 15 s: GitHub being down must not turn into a tight loop), or after
// what Retry-After / x-ratelimit-reset asks.
inline constexpr std::chrono::seconds kMinRetry{15};

// How long to wait after `check`, the `failures`-th failed check in a row
// (0 after a check that reached GitHub and was answered).
std::chrono::milliseconds next_check_delay(const TokenCheck& check,
                                           std::chrono::milliseconds interval, int failures);

// DESIGN.md §6: checks the GitHub token on its own thread every interval,
// picks up a rotated GITHUB_TOKEN_FILE, or the first token written to it
// after start, and passes a new valid token on.
class TokenRefresher {
  public:
    TokenRefresher(RefreshSettings settings, TokenStatus& status, ApplyToken apply);
    ~TokenRefresher();
    TokenRefresher(const TokenRefresher&) = delete;
    TokenRefresher& operator=(const TokenRefresher&) = delete;

    // The first check follows the last one recorded (github-auth's) as any
    // other would: one interval later, or after the backoff when it failed.
    void start();
    // SIGHUP: check now, unless GitHub asked us to wait (rate limit).
    void check_now();
    // Ends the thread: a request in flight is abandoned at once. Does not wait.
    void request_stop();
    // The thread has started and not yet finished.
    bool busy() const { return busy_.load(); }

  private:
    void run(std::stop_token stop, std::chrono::milliseconds delay);
    // One check; returns the delay before the next.
    std::chrono::milliseconds check(std::stop_token stop);
    void report(const std::optional<TokenCheck>& previous, const TokenCheck& now,
                std::chrono::milliseconds delay);
    std::string current_token();
    void pass_on(const std::string& token, const TokenCheck& result, std::stop_token stop);

    RefreshSettings settings_;
    TokenStatus& status_;
    ApplyToken apply_;
    std::string token_;
    std::optional<std::string> applied_;  // the token last passed on successfully
    int failures_ = 0;
    bool file_error_ = false;  // said once until the file reads again
    std::optional<std::chrono::steady_clock::time_point> hold_until_;  // a rate limit's end
    std::mutex mutex_;
    std::condition_variable_any wake_;
    bool check_now_ = false;
    std::atomic<bool> busy_{false};
    std::jthread thread_;
};

}  // namespace dev8::github
