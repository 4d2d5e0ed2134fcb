#include "dev8/steps/git_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

namespace dev8::steps {
namespace {

using namespace std::chrono_literals;

std::string own_executable() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "/usr/local/bin/dev8-init";
}

// Each key with the exact list of values it must end up with.
using GitConfigWork = std::vector<std::pair<std::string, std::vector<std::string>>>;

class GitConfigStep final : public DecidedStep<GitConfigWork> {
  public:
    std::string_view name() const override { return "git-config"; }
    Lane lane() const override { return Lane::Git; }

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

    // One git to read the whole global config, then one per value to change.
    StepResult carry_out(StepContext& context, const GitConfigWork& work) override {
        auto git = context.developer_commands();
        auto listing = run(git, {"git", "config", "--global", "--list", "--null"});
        // No ~/.gitconfig yet is a failure here; a broken one fails the writes, with git's reason.
        auto current =
            parse_git_config_list(listing && listing->exit.success() ? listing->out : "");
        std::vector<std::string> changed;
        for (const auto& [key, values] : work) {
            if (auto it = current.find(key); it != current.end() && it->second == values) continue;
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

    // --replace-all sets the first value whether the key had none, one or
    // several; --add appends the rest.
    static std::expected<void, std::string> set_values(const process::CommandRunner& git,
                                                       const std::string& key,
                                                       const std::vector<std::string>& values) {
        for (size_t i = 0; i < values.size(); ++i) {
            auto set = run(git, {"git", "config", "--global", i == 0 ? "--replace-all" : "--add",
                                 key, values[i]});
            if (!set || !set->exit.success()) {
                return std::unexpected("git config " + key + ": " +
                                       (set ? process::first_line(*set) : set.error().message));
            }
        }
        return {};
    }
};

}  // namespace

std::unique_ptr<Step> make_git_config_step() {
    return std::make_unique<GitConfigStep>();
}

std::map<std::string, std::vector<std::string>> parse_git_config_list(std::string_view listing) {
    std::map<std::string, std::vector<std::string>> entries;
    while (!listing.empty()) {
        auto end = listing.find('\0');
        auto entry = listing.substr(0, end);
        listing.remove_prefix(end == std::string_view::npos ? listing.size() : end + 1);
        auto newline = entry.find('\n');
        auto key = entry.substr(0, newline);
        auto value = newline == std::string_view::npos ? "true" : entry.substr(newline + 1);
        if (!key.empty()) entries[std::string(key)].emplace_back(value);
    }
    return entries;
}

}  // namespace dev8::steps
