#include "dev8/process/run.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "reaping_thread.h"

using namespace dev8::process;
using namespace std::chrono_literals;

namespace {

SpawnSpec shell(const std::string& script) {
    return {.argv = {"sh", "-c", script}, .env = {"PATH=/usr/bin:/bin"}};
}

}  // namespace

TEST_CASE("input reaches the program's stdin and its output comes back") {
    Reaper reaper;
    ReapingThread reaping(reaper);
    auto result = run_to_completion(shell("read token; echo got:$token; echo oops >&2; exit 3"),
                                    reaper, "ghp_secret\n", 5s);
    REQUIRE(result);
    CHECK(result->out == "got:ghp_secret\n");
    CHECK(result->err == "oops\n");
    CHECK(result->exit.code == 3);
    CHECK_FALSE(result->timed_out);
}

TEST_CASE("a program that outlives its timeout is killed with its process group") {
    Reaper reaper;
    ReapingThread reaping(reaper);
    auto start = std::chrono::steady_clock::now();
    auto result = run_to_completion(shell("sleep 30 & wait"), reaper, "", 200ms);
    REQUIRE(result);
    CHECK(result->timed_out);
    CHECK(result->exit.signal == SIGTERM);
    CHECK(std::chrono::steady_clock::now() - start < 15s);  // not the 30 s of its sleep
}

TEST_CASE("a stop request ends the program at once") {
    Reaper reaper;
    ReapingThread reaping(reaper);
    std::stop_source stop;
    std::jthread stopper([&] {
        std::this_thread::sleep_for(100ms);
        stop.request_stop();
    });
    auto result = run_to_completion(shell("exec sleep 30"), reaper, "", 30s, stop.get_token());
    REQUIRE(result);
    CHECK(result->stopped);
    CHECK(result->exit.signal == SIGTERM);
}

TEST_CASE("a program that is not found is reported, not run") {
    Reaper reaper;
    auto result =
        run_to_completion({.argv = {"no-such-program-dev8"}, .env = {"PATH=/bin"}}, reaper, "", 1s);
    REQUIRE_FALSE(result);
    CHECK(result.error().exit_code == 127);
}

TEST_CASE("each line is handed on as it comes, and a last line without a newline at the end") {
    Reaper reaper;
    ReapingThread reaping(reaper);
    std::vector<std::string> lines;
    auto result = run_to_completion(
        shell("echo one; sleep 0.2; echo two >&2; sleep 0.2; printf 'three'"), reaper, "", 5s, {},
        [&lines](std::string_view line) { lines.emplace_back(line); });
    REQUIRE(result);
    CHECK(lines == std::vector<std::string>{"one", "two", "three"});
    CHECK(result->out == "one\nthree");
}
