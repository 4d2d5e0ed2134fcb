#pragma once

#include <chrono>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/process/user_command.h"

namespace dev8::steps {

// Runs a program a user gave (an init hook, a dotfiles install) to its end:
// each line it prints goes to the log as "[prefix] LINE" (through the
// redactor), and a failure comes back as one line: "exit code 3: LAST LINE",
// "killed by signal 9", "timed out after 5m", or that the container stops.
std::expected<void, std::string> run_relayed(const process::CommandRunner& runner,
                                             std::vector<std::string> argv,
                                             const std::map<std::string, std::string>& env,
                                             std::chrono::milliseconds timeout,
                                             std::string_view prefix);

}  // namespace dev8::steps
