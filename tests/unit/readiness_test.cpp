#include "dev8/supervisor/readiness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "dev8/fs/unique_fd.h"

using namespace dev8;
using namespace std::chrono_literals;

namespace {

// A loopback port: listening when asked, else refusing connections.
struct Port {
    fs::UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    uint16_t number = 0;

    Port() {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        socklen_t len = sizeof addr;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
        number = ntohs(addr.sin_port);
    }
    void listen() { REQUIRE(::listen(fd.get(), 8) == 0); }
};

}  // namespace

TEST_CASE("probes come every 5 ms for 3 s, then every 100 ms, then every second", "[readiness]") {
    CHECK(supervisor::probe_interval(0ms) == 5ms);
    CHECK(supervisor::probe_interval(2999ms) == 5ms);
    CHECK(supervisor::probe_interval(3s) == 100ms);
    CHECK(supervisor::probe_interval(29999ms) == 100ms);
    CHECK(supervisor::probe_interval(30s) == 1s);
    CHECK(supervisor::probe_interval(24h) == 1s);
}

TEST_CASE("a tcp probe answers once the port listens", "[readiness]") {
    Port port;
    supervisor::ReadyProbe probe = supervisor::TcpProbe{port.number};
    CHECK_FALSE(supervisor::probe_once(probe, 250ms));
    port.listen();
    CHECK(supervisor::probe_once(probe, 250ms));
    CHECK(supervisor::probe_once(supervisor::ReadyProbe{}, 250ms));  // no probe: started is ready
}

TEST_CASE("an http probe of a port that does not answer HTTP fails its attempt", "[readiness]") {
    Port port;
    port.listen();  // accepts, never answers
    auto url = "http://127.0.0.1:" + std::to_string(port.number) + "/healthz";
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(supervisor::probe_once(supervisor::HttpProbe{url}, 100ms));
    CHECK(std::chrono::steady_clock::now() - start < 10s);  // the attempt has a timeout
}

TEST_CASE("a readiness watch says ready once, when the service listens", "[readiness]") {
    Port port;
    std::atomic<int> ready{0};
    supervisor::ReadinessWatch watch(supervisor::TcpProbe{port.number}, [&ready] { ++ready; });
    std::this_thread::sleep_for(20ms);
    CHECK(ready == 0);
    port.listen();
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (ready == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(20ms);
    CHECK(ready == 1);
}

TEST_CASE("a cancelled readiness watch never says ready", "[readiness]") {
    Port port;
    std::atomic<int> ready{0};
    {
        supervisor::ReadinessWatch watch(supervisor::TcpProbe{port.number}, [&ready] { ++ready; });
        watch.cancel();
        port.listen();
        std::this_thread::sleep_for(50ms);
    }
    CHECK(ready == 0);
}
