#include "dev8/steps/copilot.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "dev8/steps/developer_command.h"

namespace dev8::steps {
namespace {

using namespace std::chrono_literals;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), ::tolower);
    return text;
}

class CopilotStep final : public Step {
  public:
    std::string_view name() const override { return "copilot"; }

    std::string plan(const config::Config& config) const override {
        std::vector<std::string> parts;
        if (developer_program("copilot")) {
            parts.push_back(config.secrets.github_token
                                ? "the copilot CLI gets the token through the shell environment"
                                : "the copilot CLI is installed but GITHUB_TOKEN is not set");
        }
        if (!config.gh_extensions.empty()) {
            parts.push_back(fmt::format("install gh extensions {} unless present",
                                        fmt::join(config.gh_extensions, ", ")));
        }
        if (parts.empty()) return "skip: no Copilot CLI installed and DEV8_GH_EXTENSIONS empty";
        return fmt::format("{}", fmt::join(parts, "; "));
    }

    StepResult run(StepContext& context) override {
        const auto& config = context.config;
        bool cli = developer_program("copilot").has_value();
        if (!cli && config.gh_extensions.empty()) {
            return StepResult::skipped("no Copilot CLI installed and DEV8_GH_EXTENSIONS empty");
        }
        std::vector<std::string> done;
        if (cli) {
            done.push_back(config.secrets.github_token
                               ? "copilot CLI: token provided through the shell environment"
                               : "copilot CLI installed, but GITHUB_TOKEN is not set");
        }
        if (config.gh_extensions.empty())
            return StepResult::ok(fmt::format("{}", fmt::join(done, "; ")));
        auto extensions = install_extensions(context);
        if (!extensions) return StepResult::failed(extensions.error());
        done.push_back(*extensions);
        return StepResult::ok(fmt::format("{}", fmt::join(done, "; ")));
    }

  private:
    std::expected<std::string, std::string> install_extensions(StepContext& context) {
        if (!developer_program("gh"))
            return std::unexpected("gh not installed: cannot install extensions");
        std::map<std::string, std::string> env = {{"GH_PROMPT_DISABLED", "1"},
                                                  {"GH_NO_UPDATE_NOTIFIER", "1"}};
        auto listed = run_as_developer(context, {"gh", "extension", "list"}, env, {}, 30s);
        auto installed = lower(listed && listed->exit.success() ? listed->out : "");
        std::vector<std::string> added, present;
        for (const auto& extension : context.config.gh_extensions) {
            if (installed.find(lower(extension)) != std::string::npos) {
                present.push_back(extension);
                continue;
            }
            auto install =
                run_as_developer(context, {"gh", "extension", "install", extension}, env, {}, 120s);
            if (!install || !install->exit.success() || install->timed_out) {
                return std::unexpected(
                    fmt::format("gh extension install {} failed: {}", extension,
                                install ? (install->timed_out ? "timed out" : first_line(*install))
                                        : install.error().message));
            }
            added.push_back(extension);
        }
        return fmt::format("gh extensions: {} installed, {} already present", added.size(),
                           present.size());
    }
};

}  // namespace

std::unique_ptr<Step> make_copilot_step() {
    return std::make_unique<CopilotStep>();
}

}  // namespace dev8::steps
