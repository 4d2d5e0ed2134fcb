#include "dev8/github/token_refresher.h"

#include <catch2/catch.hpp>
#include <ctime>

using namespace dev8::github;
using namespace std::chrono_literals;

namespace {

TokenCheck check_of(TokenState state, std::optional<std::chrono::seconds> retry_after = {}) {
    TokenCheck check;
    check.state = state;
    check.retry_after = retry_after;
    return check;
}

// An RFC 3339 time, as the token's expiry is kept.
std::string in(std::chrono::system_clock::duration from_now) {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

}  // namespace

TEST_CASE("an answered check waits one interval, whatever the answer", "[refresh]") {
    for (auto state : {TokenState::Valid, TokenState::Invalid, TokenState::Expired}) {
        CHECK(next_check_delay(check_of(state), 300s, 0) == 300s);
        CHECK(next_check_delay(check_of(state), 1s, 0) == 1s);
    }
}

TEST_CASE("failed checks back off from 15 s, doubling up to the interval", "[refresh]") {
    auto down = check_of(TokenState::Unreachable);
    CHECK(next_check_delay(down, 300s, 1) == 15s);
    CHECK(next_check_delay(down, 300s, 2) == 30s);
    CHECK(next_check_delay(down, 300s, 3) == 60s);
    CHECK(next_check_delay(down, 300s, 5) == 240s);
    CHECK(next_check_delay(down, 300s, 6) == 300s);
    CHECK(next_check_delay(down, 300s, 60) == 300s);
}

TEST_CASE("a failed check never retries sooner than 15 s, even with a short interval",
          "[refresh]") {
    for (int failures : {1, 2, 10}) {
        CHECK(next_check_delay(check_of(TokenState::Unreachable), 1s, failures) == 15s);
        CHECK(next_check_delay(check_of(TokenState::RateLimited), 100ms, failures) == 15s);
    }
}

TEST_CASE("Retry-After and x-ratelimit-reset are honoured, within 15 s and an hour", "[refresh]") {
    CHECK(next_check_delay(check_of(TokenState::RateLimited, 120s), 1s, 1) == 120s);
    CHECK(next_check_delay(check_of(TokenState::Unreachable, 600s), 300s, 1) == 600s);
    CHECK(next_check_delay(check_of(TokenState::RateLimited, 0s), 300s, 1) == 15s);
    CHECK(next_check_delay(check_of(TokenState::RateLimited, 99999s), 300s, 1) == 3600s);
}

TEST_CASE("a token rejected after its known expiry is reported expired", "[refresh]") {
    TokenStatus status(true);
    auto valid = check_of(TokenState::Valid);
    valid.login = "octocat";
    valid.expires_at = in(-1h);
    status.record(valid);
    status.record(check_of(TokenState::Invalid));
    CHECK(status.report().last->state == TokenState::Expired);
    CHECK(status.report().last->login == "octocat");
}

TEST_CASE("a token rejected before its expiry is reported invalid", "[refresh]") {
    TokenStatus status(true);
    auto valid = check_of(TokenState::Valid);
    valid.expires_at = in(48h);
    status.record(valid);
    status.record(check_of(TokenState::Invalid));
    CHECK(status.report().last->state == TokenState::Invalid);
}

TEST_CASE("the status shows when the next check is due", "[refresh]") {
    TokenStatus status(true);
    CHECK_FALSE(status.report().next_check);
    auto next = std::chrono::system_clock::now() + 300s;
    status.schedule(next);
    CHECK(status.report().next_check == next);
    CHECK(status.report().present);
}
