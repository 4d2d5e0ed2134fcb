#include "dev8/supervisor/backoff.h"

#include <catch2/catch.hpp>

using dev8::supervisor::Backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("restart delays start at 1 s and double up to 30 s") {
    Backoff backoff;
    std::vector<int64_t> delays;
    for (int i = 0; i < 8; ++i) delays.push_back(backoff.next(ms(10)).count());
    CHECK(delays == std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000});
}

TEST_CASE("a run of 60 s resets the delay to 1 s") {
    Backoff backoff;
    for (int i = 0; i < 5; ++i) backoff.next(ms(10));
    CHECK(backoff.next(ms(60000)).count() == 1000);
    CHECK(backoff.next(ms(10)).count() == 2000);
}

TEST_CASE("jitter stays within 10 percent") {
    Backoff low, high;
    CHECK(low.next(ms(0), -1.0).count() == 900);
    CHECK(high.next(ms(0), 1.0).count() == 1100);
}
