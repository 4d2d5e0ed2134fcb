#include "dev8/supervisor/readiness.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "loopback_socket.h"

using namespace dev8;
using namespace std::chrono_literals;

TEST_CASE("probes come every 5 ms for 3 s, then every 100 ms, then every second", "[readiness]") {
    CHECK(supervisor::probe_interval(0ms) == 5ms);
    CHECK(supervisor::probe_interval(2999ms) == 5ms);
    CHECK(supervisor::probe_interval(3s) == 100ms);
    CHECK(supervisor::probe_interval(29999ms) == 100ms);
    CHECK(supervisor::probe_interval(30s) == 1s);
    CHECK(supervisor::probe_interval(24h) == 1s);
}

TEST_CASE("a tcp probe answers once the port listens", "[readiness]") {
    LoopbackSocket port;
    supervisor::ReadyProbe probe = supervisor::TcpProbe{port.port};
    CHECK_FALSE(supervisor::probe_once(probe, 250ms));
    port.listen();
    CHECK(supervisor::probe_once(probe, 250ms));
    CHECK(supervisor::probe_once(supervisor::ReadyProbe{}, 250ms));  // no probe: started is ready
}

TEST_CASE("an http probe of a port that does not answer HTTP fails its attempt", "[readiness]") {
    LoopbackSocket port;
    port.listen();  // accepts, never answers
    auto url = "http://127.0.0.1:" + std::to_string(port.port) + "/healthz";
    auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(supervisor::probe_once(supervisor::HttpProbe{url}, 100ms));
    CHECK(std::chrono::steady_clock::now() - start < 10s);  // the attempt has a timeout
}

TEST_CASE("a readiness watch says ready once, when the service listens", "[readiness]") {
    LoopbackSocket port;
    std::atomic<int> ready{0};
    supervisor::ReadinessWatch watch(supervisor::TcpProbe{port.port}, [&ready] { ++ready; });
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
    LoopbackSocket port;
    std::atomic<int> ready{0};
    {
        supervisor::ReadinessWatch watch(supervisor::TcpProbe{port.port}, [&ready] { ++ready; });
        watch.cancel();
        port.listen();
        std::this_thread::sleep_for(50ms);
    }
    CHECK(ready == 0);
}
