#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace dev8::github {

enum class TokenState { Valid, Invalid, Expired, RateLimited, Unreachable };

// What `GET /user` said about a token.
struct TokenCheck {
    TokenState state = TokenState::Unreachable;
    std::string login;
    std::vector<std::string> scopes;        // X-OAuth-Scopes (classic tokens)
    std::optional<std::string> expires_at;  // RFC 3339, from github-authentication-token-expiration
    std::optional<std::chrono::seconds> retry_after;  // Retry-After or x-ratelimit-reset
    long http_status = 0;
    std::string detail;  // one line for logs and the status; never holds the token
};

std::string_view to_string(TokenState state);

// "2026-01-01 00:00:00 UTC" (GitHub's header) -> "2026-01-01T00:00:00Z".
std::optional<std::string> parse_expiration(std::string_view header);

// Validates `token` against `api_url` (https://api.github.com or
// https://HOST/api/v3): a few seconds at most when GitHub is unreachable.
TokenCheck check_token(const std::string& api_url, const std::string& token,
                       std::stop_token stop = {});

}  // namespace dev8::github
