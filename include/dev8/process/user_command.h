#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "dev8/fs/accounts.h"
#include "dev8/process/run.h"

namespace dev8::process {

// The PATH the programs dev8-init runs for a user get: its own, or kDefaultPath.
std::string command_path();

// Where `name` would run from on command_path(), or nullopt.
std::optional<std::string> find_command(const std::string& name);

// Runs programs to their end as one user (uid, gid, groups, HOME), in that
// user's home, with a clean environment: PATH, HOME, USER, LOGNAME, SHELL,
// LANG, LC_ALL, SSL_CERT_FILE and TZ, then `extra`. No token variable leaks
// in unless passed in `extra`; secrets go through `input` (stdin), never argv.
class CommandRunner {
  public:
    CommandRunner(fs::Account user, Reaper& reaper, std::stop_token stop = {})
        : user_(std::move(user)), reaper_(reaper), stop_(std::move(stop)) {}

    std::expected<RunResult, SpawnError> run(
        std::vector<std::string> argv, const std::map<std::string, std::string>& extra = {},
        const std::string& input = {}, std::chrono::milliseconds timeout = std::chrono::seconds(60),
        const LineSink& lines = {}) const;

  private:
    fs::Account user_;
    Reaper& reaper_;
    std::stop_token stop_;
};

}  // namespace dev8::process
