#include "dev8/status/status.h"

#include <catch2/catch.hpp>

#include "dev8/log/logging.h"
#include "dev8/process/descendants.h"
#include "temp_dir.h"

using namespace dev8;

TEST_CASE("the status document has the fields of DESIGN.md section 8") {
    status::Snapshot s;
    s.phase = status::Phase::Running;
    s.healthy = true;
    s.steps.push_back({"ssh-keys", steps::StepState::Ok, std::chrono::milliseconds(3), ""});
    process::ExitStatus exit{1, std::nullopt, std::chrono::system_clock::time_point{}};
    s.services.push_back({"sshd", supervisor::ServiceState::Ready, 42, 2, exit, ""});
    s.services.push_back({"code-server", supervisor::ServiceState::Disabled, std::nullopt, 0,
                          std::nullopt, "not installed"});
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
    CHECK(doc["services"][1]["state"] == "disabled");
    CHECK(doc["services"][1]["message"] == "not installed");
    CHECK(doc["github"]["state"] == "absent");
    CHECK(doc["ssh"]["host_key_fingerprints"].is_array());
}

TEST_CASE("the token's state reads absent, unchecked, then what the last check said") {
    status::Snapshot s;
    CHECK(status::to_json(s)["github"]["state"] == "absent");
    s.github.present = true;
    s.github.next_check = std::chrono::system_clock::time_point{} + std::chrono::hours(1);
    auto unchecked = status::to_json(s)["github"];
    CHECK(unchecked["state"] == "unchecked");
    CHECK(unchecked["next_check"] == "1970-01-01T01:00:00Z");
    CHECK(unchecked["login"].is_null());

    github::TokenCheck valid;
    valid.state = github::TokenState::Valid;
    valid.login = "octocat";
    valid.scopes = {"repo", "read:org"};
    valid.expires_at = "2030-01-01T00:00:00Z";
    s.github.last = valid;
    s.github.checked_at = std::chrono::system_clock::time_point{};
    auto checked = status::to_json(s);
    CHECK(checked["github"] == nlohmann::json{{"state", "valid"},
                                              {"login", "octocat"},
                                              {"scopes", {"repo", "read:org"}},
                                              {"expires_at", "2030-01-01T00:00:00Z"},
                                              {"last_checked", "1970-01-01T00:00:00Z"},
                                              {"next_check", "1970-01-01T01:00:00Z"}});
    CHECK(checked["degraded"] == nlohmann::json::array());
}

TEST_CASE("a token in trouble degrades the workspace and says how") {
    status::Snapshot s;
    s.github.present = true;
    s.github.last = github::TokenCheck{};
    for (auto [state, text] : {std::pair{github::TokenState::Invalid, "github: token invalid"},
                               std::pair{github::TokenState::Expired, "github: token expired"},
                               std::pair{github::TokenState::RateLimited, "github: rate limited"},
                               std::pair{github::TokenState::Unreachable, "github: unreachable"}}) {
        s.github.last->state = state;
        CHECK(status::degraded(s) == std::vector<std::string>{text});
        CHECK(status::to_json(s)["degraded"] == nlohmann::json{text});
    }
}

TEST_CASE("every phase, step state and service state has its name in the document") {
    CHECK(status::to_string(status::Phase::Init) == "init");
    CHECK(status::to_string(status::Phase::Starting) == "starting");
    CHECK(status::to_string(status::Phase::Running) == "running");
    CHECK(status::to_string(status::Phase::Stopping) == "stopping");
    CHECK(steps::to_string(steps::StepState::Pending) == "pending");
    CHECK(steps::to_string(steps::StepState::Running) == "running");
    CHECK(steps::to_string(steps::StepState::Skipped) == "skipped");
    CHECK(steps::to_string(steps::StepState::Failed) == "failed");
    CHECK(supervisor::to_string(supervisor::ServiceState::Starting) == "starting");
    CHECK(supervisor::to_string(supervisor::ServiceState::Backoff) == "backoff");
    CHECK(supervisor::to_string(supervisor::ServiceState::Stopping) == "stopping");
    CHECK(supervisor::to_string(supervisor::ServiceState::Stopped) == "stopped");
    CHECK(supervisor::to_string(supervisor::ServiceState::Failed) == "failed");
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

TEST_CASE("text that is not UTF-8 reaches the status document as U+FFFD, never an exception") {
    status::Snapshot s;
    // A settings.json saved as UTF-16 quoted in a step's message, a Latin-1 path.
    s.steps.push_back({"vscode-settings", steps::StepState::Failed, std::chrono::milliseconds(1),
                       "settings.json: unexpected \xff\xfe at line 1"});
    s.services.push_back({"sshd", supervisor::ServiceState::Backoff, std::nullopt, 1, std::nullopt,
                          "/usr/sbin/sshd\xe9: not found"});
    std::string text;
    REQUIRE_NOTHROW(text = log::json_text(status::to_json(s)));
    auto doc = nlohmann::json::parse(text);
    CHECK(doc["steps"][0]["message"] ==
          "settings.json: unexpected \xef\xbf\xbd\xef\xbf\xbd at line 1");
    CHECK(doc["services"][0]["message"] == "/usr/sbin/sshd\xef\xbf\xbd: not found");
}

TEST_CASE("a service that is not required but in trouble is listed as degraded") {
    status::Snapshot s;
    s.services.push_back(
        {"jupyter", supervisor::ServiceState::Backoff, std::nullopt, 3, std::nullopt, "", false});
    s.services.push_back(
        {"seed", supervisor::ServiceState::Failed, std::nullopt, 0, std::nullopt, "", false});
    s.services.push_back({"sshd", supervisor::ServiceState::Backoff, std::nullopt, 1, std::nullopt,
                          "", true});  // required: unhealthy, not merely degraded
    s.services.push_back(
        {"web", supervisor::ServiceState::Starting, 7, 0, std::nullopt, "", false});
    CHECK(status::degraded(s) ==
          std::vector<std::string>{"service jupyter: backoff", "service seed: failed"});
}
