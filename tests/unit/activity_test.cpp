#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "dev8/activity/idle_clock.h"
#include "dev8/activity/keepalive.h"
#include "dev8/activity/proc.h"

using namespace dev8::activity;
using namespace std::chrono_literals;
using Due = IdleClock::Due;

namespace {

const IdleClock::Clock::time_point t0{};

}  // namespace

TEST_CASE("idle clock: a warning before the timeout, then the stop") {
    IdleClock clock({.timeout = 30min, .warning = 5min}, t0);
    CHECK(clock.due(t0 + 24min) == Due::Nothing);
    CHECK(clock.due(t0 + 25min) == Due::Warn);
    CHECK(clock.due(t0 + 26min) == Due::Nothing);  // warned once
    CHECK(clock.warned());
    CHECK(clock.stop_at(t0 + 26min) == t0 + 30min);
    CHECK(clock.due(t0 + 30min) == Due::Stop);
}

TEST_CASE("idle clock: activity of any source pushes the stop back and cancels a warning") {
    IdleClock clock({.timeout = 10min, .warning = 2min}, t0);
    CHECK(clock.due(t0 + 8min) == Due::Warn);
    clock.saw(Source::Ssh, t0 + 9min);
    CHECK(clock.due(t0 + 9min) == Due::Cancel);
    CHECK(clock.last_activity(t0 + 9min) == t0 + 9min);
    CHECK(clock.last(Source::Ssh) == t0 + 9min);
    CHECK_FALSE(clock.last(Source::CodeServer));
    CHECK(clock.due(t0 + 16min) == Due::Nothing);
    CHECK(clock.due(t0 + 17min + 1s) == Due::Warn);
    CHECK(clock.due(t0 + 19min) == Due::Stop);
}

TEST_CASE("idle clock: an older sighting never moves a source's time back") {
    IdleClock clock({.timeout = 10min}, t0);
    clock.saw(Source::Processes, t0 + 5min);
    clock.saw(Source::Processes, t0 + 3min);
    CHECK(clock.last(Source::Processes) == t0 + 5min);
}

TEST_CASE("idle clock: a keepalive hold counts as activity until it ends") {
    IdleClock clock({.timeout = 1min}, t0);
    clock.hold_until(t0 + 1h);
    CHECK(clock.due(t0 + 59min) == Due::Nothing);
    CHECK(clock.last_activity(t0 + 30min) == t0 + 30min);
    clock.hold_until(t0 + 10min);  // a shorter hold does not cut the longer one
    CHECK(clock.held_until() == t0 + 1h);
    CHECK(clock.due(t0 + 1h + 59s) == Due::Nothing);
    CHECK(clock.due(t0 + 1h + 1min) == Due::Stop);
}

TEST_CASE("idle clock: no warning when it is 0, and a warning longer than the timeout is cut") {
    IdleClock quiet({.timeout = 1min, .warning = 0ms}, t0);
    CHECK(quiet.due(t0 + 59s) == Due::Nothing);
    CHECK(quiet.due(t0 + 1min) == Due::Stop);
    IdleClock eager({.timeout = 1min, .warning = 5min}, t0);
    CHECK(eager.due(t0) == Due::Warn);
}

TEST_CASE("idle clock: a restart starts the clock again, as at start") {
    IdleClock clock({.timeout = 1min, .warning = 10s}, t0);
    CHECK(clock.due(t0 + 50s) == Due::Warn);
    CHECK(clock.due(t0 + 1min) == Due::Stop);
    clock.restart(t0 + 1min);
    CHECK_FALSE(clock.warned());
    CHECK(clock.due(t0 + 1min + 49s) == Due::Nothing);
    CHECK(clock.due(t0 + 2min) == Due::Stop);
}

TEST_CASE("/proc/PID/stat: CPU and start time, whatever the command name holds") {
    std::string tail =
        " S 1 7 7 0 -1 4194560 300 0 0 0 120 30 5 2 20 0 1 0 98765 12345678 200 "
        "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    auto plain = parse_proc_stat("4242 (make)" + tail);
    REQUIRE(plain);
    CHECK(plain->pid == 4242);
    CHECK(plain->cpu_ticks == 120 + 30 + 5 + 2);
    CHECK(plain->start_ticks == 98765);
    auto odd = parse_proc_stat("77 (a) b (c) S 1 2)" + tail);
    REQUIRE(odd);
    CHECK(odd->cpu_ticks == 157);
    CHECK_FALSE(parse_proc_stat(""));
    CHECK_FALSE(parse_proc_stat("12 (cut) S 1 2 3"));
    CHECK_FALSE(parse_proc_stat("x (make)" + tail));
    CHECK_FALSE(parse_proc_stat("12 make" + tail));
}

TEST_CASE("/proc/net/tcp: established connections on the ssh port, IPv4 and IPv6") {
    std::string v4 =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
        "   0: 00000000:08AE 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
        "   1: 0100007F:08AE 0100007F:D4C2 01 00000000:00000000 00:00000000 00000000     0\n"
        "   2: 0100007F:D4C2 0100007F:08AE 01 00000000:00000000 00:00000000 00000000  1000\n"
        "   3: 0100007F:08AE 0100007F:D4C4 06 00000000:00000000 03:00000000 00000000     0\n";
    CHECK(established_on_port(v4, 2222) == 1);  // not the listener, the client side or TIME_WAIT
    CHECK(established_on_port(v4, 22) == 0);
    std::string v6 =
        "  sl  local_address                         remote_address                        st\n"
        "   0: 00000000000000000000000001000000:08AE 00000000000000000000000001000000:9C40 01\n";
    CHECK(established_on_port(v6, 2222) == 1);
    CHECK(established_on_port("", 2222) == 0);
    CHECK(established_on_port("header only\n", 2222) == 0);
}

TEST_CASE("CPU used between two samples: growth of known processes, all of new ones") {
    CpuSample before{{{10, 1}, 100}, {{11, 5}, 50}};
    CpuSample now{{{10, 1}, 130}, {{11, 5}, 50}, {{12, 9}, 20}, {{11, 7}, 4}};
    // pid 11 with another start time is a new process that reused the pid.
    CHECK(cpu_used(before, now) ==
          std::chrono::milliseconds((30 + 20 + 4) * 1000 / ::sysconf(_SC_CLK_TCK)));
    CHECK(cpu_used(now, before).count() == 0);
}

TEST_CASE("keepalive messages: with or without a hold, nothing else") {
    CHECK(keepalive_message({}) == "keepalive\n");
    CHECK(keepalive_message({.hold = 90s}) == "keepalive 90000\n");
    CHECK(parse_keepalive_message("keepalive\n")->hold.count() == 0);
    CHECK(parse_keepalive_message("keepalive 90000\n")->hold == 90s);
    for (const char* bad : {"", "keep", "keepalive  5", "keepalive -5", "keepalive 5x",
                            "keepalives", "keepalive 99999999999999999999"}) {
        INFO(bad);
        CHECK_FALSE(parse_keepalive_message(bad));
    }
}
