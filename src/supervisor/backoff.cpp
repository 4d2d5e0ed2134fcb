#include "dev8/supervisor/backoff.h"

#include <algorithm>

namespace dev8::supervisor {

Backoff::ms Backoff::next(ms last_run, double jitter) {
    if (last_run >= kResetAfter) failures_ = 0;
    auto delay = kFirst;
    for (uint32_t i = 0; i < failures_ && delay < kMax; ++i) delay *= 2;
    delay = std::min(delay, kMax);
    ++failures_;
    auto spread = static_cast<int64_t>(static_cast<double>(delay.count()) * 0.1 *
                                       std::clamp(jitter, -1.0, 1.0));
    return ms(delay.count() + spread);
}

}  // namespace dev8::supervisor
