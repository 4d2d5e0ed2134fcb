#include "dev8/steps/copilot.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace dev8::steps {
namespace {

using namespace std::chrono_literals;

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), ::tolower);
    return text;
}

struct CopilotWork {
    bool cli = false;    // the standalone copilot CLI is installed
    bool token = false;  // GITHUB_TOKEN is set
    std::vector<std::string> extensions;
};

class CopilotStep final : public DecidedStep<CopilotWork> {
  public:
    std::string_view name() const override { return "copilot"; }
    // gh extension installs need gh logged in and the network.
    Lane lane() const override { return Lane::Network; }

  protected:
    std::expected<CopilotWork, std::string> decide(const config::Config& config) const override {
        CopilotWork work{.cli = process::find_command("copilot").has_value(),
                         .token = config.secrets.github_token.has_value(),
                         .extensions = config.gh_extensions};
        if (!work.cli && work.extensions.empty())
            return std::unexpected("no Copilot CLI installed and DEV8_GH_EXTENSIONS empty");
        return work;
    }

    std::string describe(const CopilotWork& work) const override {
        std::vector<std::string> parts;
        if (work.cli) {
            parts.push_back(work.token
                                ? "the copilot CLI gets the token through the shell environment"
                                : "the copilot CLI is installed but GITHUB_TOKEN is not set");
        }
        if (!work.extensions.empty()) {
            parts.push_back(fmt::format("install gh extensions {} unless present",
                                        fmt::join(work.extensions, ", ")));
        }
        return fmt::format("{}", fmt::join(parts, "; "));
    }

    StepResult carry_out(StepContext& context, const CopilotWork& work) override {
        std::vector<std::string> done;
        if (work.cli) {
            done.push_back(work.token ? "copilot CLI: token provided through the shell environment"
                                      : "copilot CLI installed, but GITHUB_TOKEN is not set");
        }
        if (!work.extensions.empty()) {
            auto extensions = install_extensions(context, work.extensions);
            if (!extensions) return StepResult::failed(extensions.error());
            done.push_back(*extensions);
        }
        return StepResult::ok(fmt::format("{}", fmt::join(done, "; ")));
    }

  private:
    std::expected<std::string, std::string> install_extensions(
        StepContext& context, const std::vector<std::string>& extensions) {
        if (!process::find_command("gh"))
            return std::unexpected("gh not installed: cannot install extensions");
        auto gh = context.developer_commands();
        std::map<std::string, std::string> env = {{"GH_PROMPT_DISABLED", "1"},
                                                  {"GH_NO_UPDATE_NOTIFIER", "1"}};
        auto listed = gh.run({"gh", "extension", "list"}, env, {}, 30s);
        auto installed = lower(listed && listed->exit.success() ? listed->out : "");
        std::vector<std::string> added, present;
        for (const auto& extension : extensions) {
            if (installed.find(lower(extension)) != std::string::npos) {
                present.push_back(extension);
                continue;
            }
            auto install = gh.run({"gh", "extension", "install", extension}, env, {}, 120s);
            if (!install || !install->exit.success() || install->timed_out) {
                return std::unexpected(fmt::format(
                    "gh extension install {} failed: {}", extension,
                    install ? (install->timed_out ? "timed out" : process::first_line(*install))
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
