// What a user types as a duration (config::parse_duration: DEV8_IDLE_TIMEOUT,
// DEV8_IDLE_WARNING, `keepalive --for`) and the keepalive datagram anyone
// in the developer's group may send (activity::parse_keepalive_message).
//
// Invariants:
// - neither parser throws;
// - a parsed duration is between 0 and 366 days, and the way it is shown
//   parses back to within a second of it (exactly, below a minute, to 0.1 s);
// - a parsed keepalive written as a message parses back the same.

#include <cstdlib>
#include <string>

#include "dev8/activity/keepalive.h"
#include "dev8/config/config.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using dev8::fuzz::check;
    auto text = dev8::fuzz::as_text(data, size);
    if (auto duration = dev8::config::parse_duration(text)) {
        auto ms = duration->count();
        check(ms >= 0 && ms <= 366LL * 86'400'000, "a duration out of range", text);
        auto shown = dev8::config::format_duration(*duration);
        auto again = dev8::config::parse_duration(shown);
        check(again.has_value(), "a duration shown in a form that does not parse", shown);
        auto off = std::llabs(again->count() - ms);
        check(off < (ms < 60'000 ? 100 : 1000), "a duration shown as another one", shown);
    }
    if (auto request = dev8::activity::parse_keepalive_message(text)) {
        auto message = dev8::activity::keepalive_message(*request);
        auto again = dev8::activity::parse_keepalive_message(message);
        check(again && again->hold == request->hold, "a keepalive written back differs", message);
    }
    return 0;
}
