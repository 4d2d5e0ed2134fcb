#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dev8/process/run.h"
#include "dev8/steps/step.h"

namespace dev8::steps {

// The PATH the developer's programs get: dev8-init's own, or the usual default.
std::string developer_path();

// Where a program would run from for the developer (dev8-init's PATH), or nullopt.
std::optional<std::string> developer_program(const std::string& name);

// Runs a program as the developer (uid, gid, groups, HOME) in the developer's
// home, with a clean environment: PATH, HOME, USER, LOGNAME, SHELL, LANG,
// SSL_CERT_FILE, then `extra`. No token variable leaks in unless passed in
// `extra`; secrets go through `input` (stdin), never argv.
std::expected<process::RunResult, process::SpawnError> run_as_developer(
    StepContext& context, std::vector<std::string> argv,
    const std::map<std::string, std::string>& extra = {}, const std::string& input = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The first line of a program's stderr (or stdout), for a one-line failure cause.
std::string first_line(const process::RunResult& result);

}  // namespace dev8::steps
