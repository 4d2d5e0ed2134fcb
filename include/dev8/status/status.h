#pragma once

#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dev8/process/reaper.h"

namespace dev8::status {

struct StepStatus {
    std::string name;
    std::string state = "pending";  // ok|skipped|failed|running|pending
    int64_t duration_ms = 0;
    std::string message;
};

struct ServiceStatus {
    std::string name;
    std::string state;  // starting|ready|backoff|stopping|stopped|failed|disabled
    std::optional<int> pid;
    uint64_t restarts = 0;
    std::optional<process::ExitStatus> last_exit;
    std::string message;  // why it is disabled or failed
};

struct GithubStatus {
    std::string state =
        "absent";  // valid|invalid|expired|rate_limited|unreachable|unchecked|absent
    std::optional<std::string> login;
    std::vector<std::string> scopes;
    std::optional<std::string> expires_at;
    std::optional<std::string> last_checked;
    std::optional<std::string> next_check;  // while the refresh thread runs
};

// Everything `dev8-init status` shows, taken on the loop thread in one go.
struct Snapshot {
    std::string phase = "init";  // init|starting|running|stopping
    bool healthy = false;
    std::vector<std::string> degraded;
    double uptime_s = 0;
    uint64_t orphans_reaped = 0;
    std::vector<StepStatus> steps;
    std::vector<ServiceStatus> services;
    GithubStatus github;
    std::vector<std::string> host_key_fingerprints;
    int pid = 0;
    std::string version;
};

nlohmann::json to_json(const Snapshot& snapshot);
std::string rfc3339(std::chrono::system_clock::time_point t);

// Connects to the first state dir holding a status socket and reads the document.
std::expected<nlohmann::json, std::string> query(const std::vector<std::string>& state_dirs);

// Human-readable rendering of a status document for `dev8-init status`.
std::string render_text(const nlohmann::json& status);

}  // namespace dev8::status
