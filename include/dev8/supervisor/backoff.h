#pragma once

#include <chrono>
#include <cstdint>

namespace dev8::supervisor {

// Restart delays: 1 s doubling to 30 s, back to 1 s once a run lasted 60 s.
class Backoff {
  public:
    using ms = std::chrono::milliseconds;
    static constexpr ms kFirst{1000};
    static constexpr ms kMax{30000};
    static constexpr ms kResetAfter{60000};

    // The delay before the next start, given how long the last run lasted.
    // `jitter` in [-1, 1] scales a ±10 % spread.
    ms next(ms last_run, double jitter = 0.0);
    uint32_t failures() const { return failures_; }

  private:
    uint32_t failures_ = 0;
};

}  // namespace dev8::supervisor
