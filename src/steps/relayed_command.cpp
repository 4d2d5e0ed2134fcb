#include "dev8/steps/relayed_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "dev8/config/config.h"
#include "dev8/fs/text.h"

namespace dev8::steps {

std::expected<void, std::string> run_relayed(const process::CommandRunner& runner,
                                             std::vector<std::string> argv,
                                             const std::map<std::string, std::string>& env,
                                             std::chrono::milliseconds timeout,
                                             std::string_view prefix) {
    std::string last_line;
    auto result =
        runner.run(std::move(argv), env, {}, timeout, [prefix, &last_line](std::string_view line) {
            auto text = fs::trim_end(line);
            if (text.empty()) return;
            last_line = std::string(text);
            spdlog::info("[{}] {}", prefix, text);
        });
    if (!result) return std::unexpected(result.error().message);
    if (result->timed_out)
        return std::unexpected("timed out after " + config::format_duration(timeout));
    if (result->stopped) return std::unexpected("stopped: the container is stopping");
    if (result->exit.success()) return {};
    auto status = result->exit.code
                      ? "exit code " + std::to_string(*result->exit.code)
                      : "killed by signal " + std::to_string(result->exit.signal.value_or(0));
    return std::unexpected(last_line.empty() ? status : status + ": " + last_line);
}

}  // namespace dev8::steps
