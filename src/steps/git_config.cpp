#include "dev8/steps/git_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "dev8/fs/text.h"

namespace dev8::steps {
namespace {

using namespace std::chrono_literals;

std::string own_executable() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "/usr/local/bin/dev8-init";
}

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> result;
    for (auto line : fs::lines(text)) result.emplace_back(fs::trim_end(line, "\n"));
    return result;
}

// Each key with the exact list of values it must end up with.
using GitConfigWork = std::vector<std::pair<std::string, std::vector<std::string>>>;

class GitConfigStep final : public DecidedStep<GitConfigWork> {
  public:
    std::string_view name() const override { return "git-config"; }

  protected:
    std::expected<GitConfigWork, std::string> decide(const config::Config& config) const override {
        if (!process::find_command("git")) return std::unexpected("git not installed");
        GitConfigWork work;
        if (config.git_user_name) work.push_back({"user.name", {*config.git_user_name}});
        if (config.git_user_email) work.push_back({"user.email", {*config.git_user_email}});
        // GITHUB_TOKEN_FILE may get its token after start: the helper is
        // in place for it, and answers nothing until then.
        if (config.secrets.github_token || config.secrets.github_token_file) {
            // The empty value first drops helpers configured more generally (as
            // `gh auth setup-git` does), so ours answers for this host.
            work.push_back({"credential.https://" + config.github_host + ".helper",
                            {"", own_executable() + " git-credential"}});
        }
        if (work.empty())
            return std::unexpected("GIT_USER_NAME, GIT_USER_EMAIL and GITHUB_TOKEN not set");
        return work;
    }

    std::string describe(const GitConfigWork& work) const override {
        std::vector<std::string> keys;
        for (const auto& [key, _] : work) keys.push_back(key);
        return fmt::format("set {} in ~/.gitconfig", fmt::join(keys, ", "));
    }

    StepResult carry_out(StepContext& context, const GitConfigWork& work) override {
        auto git = context.developer_commands();
        std::vector<std::string> changed;
        for (const auto& [key, values] : work) {
            auto current = run(git, {"git", "config", "--global", "--get-all", key});
            if (current && lines_of(current->out) == values) continue;
            if (auto set = set_values(git, key, values); !set)
                return StepResult::failed(set.error());
            changed.push_back(key);
        }
        if (changed.empty()) return StepResult::ok("already configured");
        return StepResult::ok(fmt::format("set {}", fmt::join(changed, ", ")));
    }

  private:
    static std::expected<process::RunResult, process::SpawnError> run(
        const process::CommandRunner& git, std::vector<std::string> argv) {
        return git.run(std::move(argv), {{"GIT_CONFIG_NOSYSTEM", "1"}}, {}, 30s);
    }

    static std::expected<void, std::string> set_values(const process::CommandRunner& git,
                                                       const std::string& key,
                                                       const std::vector<std::string>& values) {
        auto unset = run(git, {"git", "config", "--global", "--unset-all", key});
        // Exit 5: the key was not set, which is fine.
        if (!unset || !(unset->exit.success() || unset->exit.code == 5)) {
            return std::unexpected("git config --unset-all " + key + ": " +
                                   (unset ? process::first_line(*unset) : unset.error().message));
        }
        for (const auto& value : values) {
            auto add = run(git, {"git", "config", "--global", "--add", key, value});
            if (!add || !add->exit.success()) {
                return std::unexpected("git config " + key + ": " +
                                       (add ? process::first_line(*add) : add.error().message));
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
