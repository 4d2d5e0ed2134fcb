#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dev8/github/api.h"

namespace dev8::github {

// What is known of the token, for the status document.
struct TokenReport {
    bool present = false;            // a token is configured at all
    std::optional<TokenCheck> last;  // the last check; none yet: unchecked
    std::optional<std::chrono::system_clock::time_point> checked_at;
    std::optional<std::chrono::system_clock::time_point> next_check;  // while the refresh runs
};

// The last word on the GitHub token, shared by the thread that checks it and
// the event loop that reports it.
class TokenStatus {
  public:
    explicit TokenStatus(bool token_present = false) : present_(token_present) {}

    // Also says, at most once an hour, that the token expires within a day,
    // and calls a rejected token whose known expiry has passed `expired`.
    void record(const TokenCheck& check);
    // When the next check is due (refresh thread), for the status.
    void schedule(std::chrono::system_clock::time_point next);
    std::optional<TokenCheck> last() const;
    TokenReport report() const;

  private:
    mutable std::mutex mutex_;
    bool present_;
    std::optional<TokenCheck> last_;
    std::optional<std::chrono::system_clock::time_point> checked_at_;
    std::optional<std::chrono::system_clock::time_point> next_check_;
    std::optional<std::chrono::system_clock::time_point> expiry_warned_at_;
};

}  // namespace dev8::github
