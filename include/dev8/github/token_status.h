#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dev8/github/api.h"
#include "dev8/status/status.h"

namespace dev8::github {

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
    status::GithubStatus snapshot() const;
    // Short strings for the status's `degraded` list.
    std::vector<std::string> degraded() const;

  private:
    mutable std::mutex mutex_;
    bool present_;
    std::optional<TokenCheck> last_;
    std::optional<std::chrono::system_clock::time_point> checked_at_;
    std::optional<std::chrono::system_clock::time_point> next_check_;
    std::optional<std::chrono::system_clock::time_point> expiry_warned_at_;
};

}  // namespace dev8::github
