#include "dev8/github/http.h"

#include <catch2/catch.hpp>
#include <thread>

#include "loopback_socket.h"

using namespace dev8;
using namespace std::chrono_literals;

namespace {

// A server that accepts connections and never says a word.
struct SilentServer : LoopbackSocket {
    SilentServer() { listen(); }

    auto get(std::chrono::milliseconds total_timeout, std::stop_token stop = {}) const {
        return github::http_get({.url = "http://127.0.0.1:" + std::to_string(port) + "/",
                                 .headers = {},
                                 .connect_timeout = 3s,
                                 .total_timeout = total_timeout,
                                 .stop = stop});
    }
};

}  // namespace

TEST_CASE("a stop request ends a request to a silent server at once", "[http]") {
    SilentServer server;
    std::stop_source stop;
    std::jthread stopper([&stop] {
        std::this_thread::sleep_for(300ms);
        stop.request_stop();
    });
    auto start = std::chrono::steady_clock::now();
    auto response = server.get(10s, stop.get_token());
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(response);
    CHECK(response.error() == "cancelled");
    CHECK(took >= 300ms);
    CHECK(took < 5s);  // ended by the stop, not by the 10 s timeout
}

TEST_CASE("a request whose stop was already requested is not sent", "[http]") {
    SilentServer server;
    std::stop_source stop;
    stop.request_stop();
    auto start = std::chrono::steady_clock::now();
    auto response = server.get(10s, stop.get_token());
    REQUIRE_FALSE(response);
    CHECK(response.error() == "cancelled");
    CHECK(std::chrono::steady_clock::now() - start < 5s);  // not the 10 s timeout
}

TEST_CASE("a silent server runs into the total timeout", "[http]") {
    SilentServer server;
    auto start = std::chrono::steady_clock::now();
    auto response = server.get(200ms);
    REQUIRE_FALSE(response);
    CHECK_THAT(response.error(), Catch::Contains("imeout"));
    CHECK(std::chrono::steady_clock::now() - start < 5s);
}
