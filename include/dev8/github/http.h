#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <stop_token>
#include <string>

namespace dev8::github {

struct HttpResponse {
    long status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

struct HttpRequest {
    std::string url;
    std::map<std::string, std::string> headers;
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds total_timeout{10000};
    // A stop request aborts the transfer at once, wherever it is waiting
    // (connect, TLS, a server that never answers).
    std::stop_token stop;
};

// The program's one HTTP client (libcurl): TLS verified against SSL_CERT_FILE
// when set, sockets close-on-exec, no signals. The error is one line;
// "cancelled" when `stop` fired.
std::expected<HttpResponse, std::string> http_get(const HttpRequest& request);

}  // namespace dev8::github
