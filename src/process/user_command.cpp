#include "dev8/process/user_command.h"

#include <cstdlib>

namespace dev8::process {
namespace {

constexpr const char* kPassedThrough[] = {"LANG", "LC_ALL", "SSL_CERT_FILE", "TZ"};

}  // namespace

std::string command_path() {
    const char* path = std::getenv("PATH");
    return path && *path ? path : kDefaultPath;
}

std::optional<std::string> find_command(const std::string& name) {
    return find_executable(name, command_path());
}

std::expected<RunResult, SpawnError> CommandRunner::run(
    std::vector<std::string> argv, const std::map<std::string, std::string>& extra,
    const std::string& input, std::chrono::milliseconds timeout, const LineSink& lines) const {
    std::map<std::string, std::string> base;
    for (const char* name : kPassedThrough) {
        if (const char* value = std::getenv(name); value && *value) base[name] = value;
    }
    base["PATH"] = command_path();
    SpawnSpec spec{
        .argv = std::move(argv),
        .env = child_environment(base, user_, extra),
        .cwd = user_.home,
        .user = user_,
    };
    return run_to_completion(std::move(spec), reaper_, input, timeout, stop_, lines);
}

}  // namespace dev8::process
