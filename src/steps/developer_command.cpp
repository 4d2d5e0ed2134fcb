#include "dev8/steps/developer_command.h"

#include <cstdlib>

namespace dev8::steps {
namespace {

constexpr const char* kPassedThrough[] = {"LANG", "LC_ALL", "SSL_CERT_FILE", "TZ"};

}  // namespace

std::string developer_path() {
    const char* path = std::getenv("PATH");
    return path && *path ? path : process::kDefaultPath;
}

std::optional<std::string> developer_program(const std::string& name) {
    return process::find_executable(name, developer_path());
}

std::expected<process::RunResult, process::SpawnError> run_as_developer(
    StepContext& context, std::vector<std::string> argv,
    const std::map<std::string, std::string>& extra, const std::string& input,
    std::chrono::milliseconds timeout) {
    std::map<std::string, std::string> base;
    for (const char* name : kPassedThrough) {
        if (const char* value = std::getenv(name); value && *value) base[name] = value;
    }
    base["PATH"] = developer_path();
    const auto& developer = context.config.developer;
    process::SpawnSpec spec{
        .argv = std::move(argv),
        .env = process::child_environment(base, developer, extra),
        .cwd = developer.home,
        .user = developer,
    };
    return process::run_to_completion(std::move(spec), context.reaper, input, timeout,
                                      context.stop);
}

std::string first_line(const process::RunResult& result) {
    const auto& text = result.err.empty() ? result.out : result.err;
    auto line = text.substr(0, text.find('\n'));
    if (line.empty()) {
        return result.exit.code
                   ? "exit code " + std::to_string(*result.exit.code)
                   : "killed by signal " + std::to_string(result.exit.signal.value_or(0));
    }
    return line;
}

}  // namespace dev8::steps
