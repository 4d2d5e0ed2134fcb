#include "dev8/github/api.h"

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "dev8/fs/text.h"
#include "dev8/github/http.h"

namespace dev8::github {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> split_scopes(std::string_view header) {
    std::vector<std::string> scopes;
    for (auto item : fs::split(header, ',')) {
        item = fs::trim(item);
        if (!item.empty()) scopes.emplace_back(item);
    }
    return scopes;
}

std::optional<int64_t> header_number(const HttpResponse& response, const std::string& name) {
    auto it = response.headers.find(name);
    if (it == response.headers.end()) return std::nullopt;
    int64_t value = 0;
    auto [end, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    return value;
}

std::optional<std::chrono::seconds> retry_delay(const HttpResponse& response) {
    if (auto after = header_number(response, "retry-after")) return std::chrono::seconds(*after);
    if (auto reset = header_number(response, "x-ratelimit-reset")) {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        return std::chrono::seconds(std::max<int64_t>(*reset - now, 0));
    }
    return std::nullopt;
}

bool rate_limited(const HttpResponse& response) {
    if (response.status == 429) return true;
    return response.status == 403 && (header_number(response, "x-ratelimit-remaining") == 0 ||
                                      response.headers.contains("retry-after"));
}

void read_user(const HttpResponse& response, TokenCheck& check) {
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("login") && body["login"].is_string()) {
        check.login = body["login"].get<std::string>();
    }
    if (auto it = response.headers.find("x-oauth-scopes"); it != response.headers.end()) {
        check.scopes = split_scopes(it->second);
    }
    if (auto it = response.headers.find("github-authentication-token-expiration");
        it != response.headers.end()) {
        check.expires_at = parse_expiration(it->second);
    }
}

}  // namespace

std::string_view to_string(TokenState state) {
    switch (state) {
        case TokenState::Valid:
            return "valid";
        case TokenState::Invalid:
            return "invalid";
        case TokenState::Expired:
            return "expired";
        case TokenState::RateLimited:
            return "rate_limited";
        case TokenState::Unreachable:
            return "unreachable";
    }
    return "unreachable";
}

std::optional<std::string> parse_expiration(std::string_view header) {
    std::tm tm{};
    std::string text(header);
    const char* end = ::strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (!end) return std::nullopt;
    auto zone = fs::trim(end);
    int offset_minutes = 0;
    if (zone.size() >= 5 && (zone[0] == '+' || zone[0] == '-')) {
        int hh = (zone[1] - '0') * 10 + (zone[2] - '0');
        int mm = (zone[3] - '0') * 10 + (zone[4] - '0');
        offset_minutes = (zone[0] == '-' ? -1 : 1) * (hh * 60 + mm);
    } else if (!zone.empty() && zone != "UTC" && zone != "Z") {
        return std::nullopt;
    }
    time_t utc = ::timegm(&tm) - offset_minutes * 60;
    std::tm out{};
    ::gmtime_r(&utc, &out);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &out);
    return std::string(buf);
}

TokenCheck check_token(const std::string& api_url, const std::string& token, std::stop_token stop) {
    HttpRequest request{
        .url = api_url + "/user",
        .headers = {{"Authorization", "token " + token},
                    {"Accept", "application/vnd.github+json"},
                    {"X-GitHub-Api-Version", "2022-11-28"}},
        .connect_timeout = 3s,
        .total_timeout = 10s,
        .stop = stop,
    };
    TokenCheck check;
    auto response = http_get(request);
    if (!response) {
        check.detail = "GitHub unreachable: " + response.error();
        return check;
    }
    check.http_status = response->status;
    if (response->status == 200) {
        check.state = TokenState::Valid;
        read_user(*response, check);
        check.detail = "logged in as " + check.login;
    } else if (rate_limited(*response)) {
        check.state = TokenState::RateLimited;
        check.retry_after = retry_delay(*response);
        check.detail = "GitHub rate limit reached (HTTP " + std::to_string(response->status) + ")";
    } else if (response->status == 401) {
        check.state = TokenState::Invalid;
        check.detail = "GitHub rejected the token (HTTP 401)";
    } else {
        check.retry_after = retry_delay(*response);
        check.detail = "GitHub answered HTTP " + std::to_string(response->status);
    }
    return check;
}

}  // namespace dev8::github
