#include <catch2/catch.hpp>

#include "dev8/github/api.h"

using namespace dev8::github;

TEST_CASE("GitHub's token expiration header becomes RFC 3339 UTC") {
    CHECK(parse_expiration("2026-01-01 00:00:00 UTC") == "2026-01-01T00:00:00Z");
    CHECK(parse_expiration("2026-03-10 15:04:05 +0200") == "2026-03-10T13:04:05Z");
    CHECK_FALSE(parse_expiration("soon"));
}

TEST_CASE("an unreachable API fails within seconds, not minutes") {
    auto start = std::chrono::steady_clock::now();
    auto check = check_token("https://127.0.0.1:1/api/v3", "ghp_unused_token");
    CHECK(check.state == TokenState::Unreachable);
    CHECK_THAT(check.detail, Catch::Contains("unreachable"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("token states have the status document's names") {
    CHECK(to_string(TokenState::RateLimited) == "rate_limited");
    CHECK(to_string(TokenState::Valid) == "valid");
}
