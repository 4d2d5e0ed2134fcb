#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/activity/monitor.h"
#include "dev8/github/token_status.h"
#include "dev8/steps/step.h"
#include "dev8/supervisor/supervisor.h"

namespace dev8::status {

enum class Phase { Init, Starting, Running, Stopping };
std::string_view to_string(Phase phase);

// Everything `dev8-init status` shows, taken on the loop thread in one go
// from the modules that own each part.
struct Snapshot {
    Phase phase = Phase::Init;
    bool healthy = false;
    double uptime_s = 0;
    uint64_t orphans_reaped = 0;
    std::vector<steps::StepReport> steps;
    std::vector<supervisor::ServiceReport> services;
    github::TokenReport github;
    std::vector<std::string> host_key_fingerprints;
    activity::ActivityReport activity;  // `on` false while the idle stop is off
    int pid = 0;
    std::string version;
};

// The status document of DESIGN.md §8, the one place it is built.
nlohmann::json to_json(const Snapshot& snapshot);

// What keeps the workspace from being all it should, in short strings for
// the document's `degraded` list ("github: token invalid").
std::vector<std::string> degraded(const Snapshot& snapshot);

std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace dev8::status
