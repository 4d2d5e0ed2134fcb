#include "dev8/status/status.h"

#include <catch2/catch.hpp>

#include "dev8/process/descendants.h"
#include "temp_dir.h"

using namespace dev8;

TEST_CASE("the status document has the fields of DESIGN.md section 8") {
    status::Snapshot s;
    s.phase = "running";
    s.healthy = true;
    s.steps.push_back({"ssh-keys", "ok", 3, ""});
    process::ExitStatus exit{1, std::nullopt, std::chrono::system_clock::time_point{}};
    s.services.push_back({"sshd", "ready", 42, 2, exit, ""});
    s.services.push_back(
        {"code-server", "disabled", std::nullopt, 0, std::nullopt, "not installed"});
    auto doc = status::to_json(s);
    CHECK(doc["phase"] == "running");
    CHECK(doc["healthy"] == true);
    CHECK(doc["degraded"].is_array());
    CHECK(doc["orphans_reaped"] == 0);
    CHECK(
        doc["steps"][0] ==
        nlohmann::json{{"name", "ssh-keys"}, {"state", "ok"}, {"duration_ms", 3}, {"message", ""}});
    CHECK(doc["services"][0]["pid"] == 42);
    CHECK(doc["services"][0]["restarts"] == 2);
    CHECK(doc["services"][0]["last_exit"] ==
          nlohmann::json{{"code", 1}, {"signal", nullptr}, {"at", "1970-01-01T00:00:00Z"}});
    CHECK(doc["services"][1]["pid"].is_null());
    CHECK(doc["services"][1]["last_exit"].is_null());
    CHECK(doc["github"]["state"] == "absent");
    CHECK(doc["ssh"]["host_key_fingerprints"].is_array());
}

TEST_CASE("descendants are found through parent links, names with spaces and parens included") {
    TempDir proc;
    proc.write("1/stat", "1 (init) S 0 1 1");
    proc.write("10/stat", "10 (a b) c)) S 1 10 10");
    proc.write("11/stat", "11 (child) S 10 10 10");
    proc.write("12/stat", "12 (other) S 2 12 12");
    proc.write("self/stat", "ignored");
    auto found = process::descendants_of(1, proc.str());
    std::sort(found.begin(), found.end());
    CHECK(found == std::vector<pid_t>{10, 11});
}
