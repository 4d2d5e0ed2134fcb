#include "dev8/steps/git_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "dev8/steps/developer_command.h"

namespace dev8::steps {
namespace {

using namespace std::chrono_literals;

std::string own_executable() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "/usr/local/bin/dev8-init";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        lines.push_back(text.substr(start, nl - start));
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    return lines;
}

class GitConfigStep final : public Step {
  public:
    std::string_view name() const override { return "git-config"; }

    std::string plan(const config::Config& config) const override {
        if (!developer_program("git")) return "skip: git not installed";
        auto work = wanted(config);
        if (work.empty()) return "skip: GIT_USER_NAME, GIT_USER_EMAIL and GITHUB_TOKEN not set";
        std::vector<std::string> keys;
        for (const auto& [key, _] : work) keys.push_back(key);
        return fmt::format("set {} in ~/.gitconfig", fmt::join(keys, ", "));
    }

    StepResult run(StepContext& context) override {
        if (!developer_program("git")) return StepResult::skipped("git not installed");
        auto work = wanted(context.config);
        if (work.empty()) {
            return StepResult::skipped("GIT_USER_NAME, GIT_USER_EMAIL and GITHUB_TOKEN not set");
        }
        std::vector<std::string> changed;
        for (const auto& [key, values] : work) {
            auto current = git(context, {"git", "config", "--global", "--get-all", key});
            if (current && lines_of(current->out) == values) continue;
            if (auto set = set_values(context, key, values); !set)
                return StepResult::failed(set.error());
            changed.push_back(key);
        }
        if (changed.empty()) return StepResult::ok("already configured");
        return StepResult::ok(fmt::format("set {}", fmt::join(changed, ", ")));
    }

  private:
    // Each key with the exact list of values it must end up with.
    static std::vector<std::pair<std::string, std::vector<std::string>>> wanted(
        const config::Config& config) {
        std::vector<std::pair<std::string, std::vector<std::string>>> work;
        if (config.git_user_name) work.push_back({"user.name", {*config.git_user_name}});
        if (config.git_user_email) work.push_back({"user.email", {*config.git_user_email}});
        if (config.secrets.github_token) {
            // The empty value first drops helpers configured more generally (as
            // `gh auth setup-git` does), so ours answers for this host.
            work.push_back({"credential.https://" + config.github_host + ".helper",
                            {"", own_executable() + " git-credential"}});
        }
        return work;
    }

    std::expected<process::RunResult, process::SpawnError> git(StepContext& context,
                                                               std::vector<std::string> argv) {
        return run_as_developer(context, std::move(argv), {{"GIT_CONFIG_NOSYSTEM", "1"}}, {}, 30s);
    }

    std::expected<void, std::string> set_values(StepContext& context, const std::string& key,
                                                const std::vector<std::string>& values) {
        auto unset = git(context, {"git", "config", "--global", "--unset-all", key});
        // Exit 5: the key was not set, which is fine.
        if (!unset || !(unset->exit.success() || unset->exit.code == 5)) {
            return std::unexpected("git config --unset-all " + key + ": " +
                                   (unset ? first_line(*unset) : unset.error().message));
        }
        for (const auto& value : values) {
            auto add = git(context, {"git", "config", "--global", "--add", key, value});
            if (!add || !add->exit.success()) {
                return std::unexpected("git config " + key + ": " +
                                       (add ? first_line(*add) : add.error().message));
            }
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<Step> make_git_config_step() {
    return std::make_unique<GitConfigStep>();
}

}  // namespace dev8::steps
