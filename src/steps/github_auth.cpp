#include "dev8/steps/github_auth.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dev8/fs/atomic_file.h"
#include "dev8/github/api.h"
#include "dev8/github/credential.h"
#include "dev8/steps/developer_command.h"

namespace dev8::steps {
namespace {

using namespace std::chrono_literals;

// gh reads these before its own stored token, and refuses to log in while they are set.
const std::map<std::string, std::string> gh_env(const std::string& host) {
    return {{"GH_HOST", host}, {"GH_PROMPT_DISABLED", "1"}, {"GH_NO_UPDATE_NOTIFIER", "1"}};
}

bool has_port(const std::string& host) {
    return host.find(':') != std::string::npos;
}

std::expected<void, std::string> store_credential(const config::Config& config,
                                                  const github::TokenCheck& check,
                                                  const std::string& token) {
    const auto& home = config.developer.home;
    if (auto dir = fs::ensure_directory(home + "/.config/dev8", 0700); !dir) {
        return std::unexpected(dir.error());
    }
    auto text = github::render_credential(
        {config.github_host, check.login.empty() ? "x-access-token" : check.login, token});
    auto written = fs::write_file_atomic(github::credential_path(home), text, 0600);
    if (!written) return std::unexpected(written.error());
    return {};
}

// gh's login insists on read:org; the token still works for gh's other
// commands, so gh gets it the way its own login would have stored it.
std::expected<std::string, std::string> write_gh_hosts(StepContext& context,
                                                       const github::TokenCheck& check,
                                                       const std::string& token) {
    auto dir = context.config.developer.home + "/.config/gh";
    if (auto made = fs::ensure_directory(dir, 0700); !made) return std::unexpected(made.error());
    auto path = dir + "/hosts.yml";
    auto existing = fs::read_file(path);
    if (!existing) return std::unexpected(existing.error());
    auto text =
        with_gh_host(existing->value_or(""), context.config.github_host, check.login, token);
    if (auto written = fs::write_file_atomic(path, text, 0600); !written) {
        return std::unexpected(written.error());
    }
    return "gh configured directly (the token lacks read:org, which gh auth login requires)";
}

std::expected<std::string, std::string> login_gh(StepContext& context,
                                                 const github::TokenCheck& check,
                                                 const std::string& token) {
    if (!developer_program("gh")) return "gh not installed";
    const auto& host = context.config.github_host;
    auto env = gh_env(host);
    // gh auth token ignores GH_HOST; --hostname accepts host:port here.
    auto current =
        run_as_developer(context, {"gh", "auth", "token", "--hostname", host}, env, {}, 30s);
    if (current && current->exit.success() && current->out == token + "\n") {
        return "gh already logged in";
    }
    std::vector<std::string> argv = {"gh", "auth", "login", "--with-token"};
    if (!has_port(host)) argv.insert(argv.end(), {"--hostname", host});
    auto login = run_as_developer(context, argv, env, token + "\n", 60s);
    if (!login) return std::unexpected("gh: " + login.error().message);
    if (login->exit.success()) return "gh logged in";
    if (login->err.find("read:org") == std::string::npos) {
        return std::unexpected("gh auth login failed: " + first_line(*login));
    }
    return write_gh_hosts(context, check, token);
}

class GithubAuthStep final : public Step {
  public:
    std::string_view name() const override { return "github-auth"; }

    std::string plan(const config::Config& config) const override {
        if (!config.secrets.github_token) return "skip: GITHUB_TOKEN not set";
        return fmt::format("validate the token (GET {}/user), store it for git in {}, log gh in{}",
                           config.github_api_url, github::credential_path(config.developer.home),
                           developer_program("gh") ? "" : " (gh not installed: skipped)");
    }

    StepResult run(StepContext& context) override {
        const auto& config = context.config;
        if (!config.secrets.github_token) return StepResult::skipped("GITHUB_TOKEN not set");
        const auto& token = config.secrets.github_token->value;
        auto check = github::check_token(config.github_api_url, token, context.stop);
        if (context.token_status) context.token_status->record(check);
        if (check.state == github::TokenState::Invalid ||
            check.state == github::TokenState::Expired) {
            return StepResult::failed(check.detail);
        }
        if (check.state != github::TokenState::Valid) {
            if (auto stored = store_credential(config, check, token); !stored) {
                return StepResult::failed(stored.error());
            }
            return StepResult::failed(check.detail + "; token stored for git, gh not logged in");
        }
        auto handed = hand_token_to_git_and_gh(context, check, token);
        auto scopes = check.scopes.empty() ? std::string("fine-grained")
                                           : fmt::format("{}", fmt::join(check.scopes, ", "));
        auto message = fmt::format("{} (scopes: {}); {}", check.detail, scopes,
                                   handed ? *handed : handed.error());
        return handed ? StepResult::ok(message) : StepResult::failed(message);
    }
};

}  // namespace

std::expected<std::string, std::string> hand_token_to_git_and_gh(StepContext& context,
                                                                 const github::TokenCheck& check,
                                                                 const std::string& token) {
    if (auto stored = store_credential(context.config, check, token); !stored)
        return std::unexpected(stored.error());
    auto gh = login_gh(context, check, token);
    if (!gh) return std::unexpected("git credential stored; " + gh.error());
    return "git credential stored; " + *gh;
}

std::string with_gh_host(std::string_view hosts_yml, const std::string& host,
                         const std::string& login, const std::string& token) {
    std::string kept;
    bool in_our_block = false;
    while (!hosts_yml.empty()) {
        auto nl = hosts_yml.find('\n');
        auto line = hosts_yml.substr(0, nl == std::string_view::npos ? hosts_yml.size() : nl + 1);
        hosts_yml.remove_prefix(line.size());
        bool top_level = !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '\n';
        if (top_level) {
            auto key = line;
            while (!key.empty() &&
                   (key.back() == '\n' || key.back() == '\r' || key.back() == ' ')) {
                key.remove_suffix(1);
            }
            in_our_block = key == host + ":";
        }
        if (!in_our_block) kept += line;
    }
    if (!kept.empty() && kept.back() != '\n') kept += '\n';
    return kept + host + ":\n    oauth_token: " + token +
           "\n    user: " + (login.empty() ? "x-access-token" : login) +
           "\n    git_protocol: https\n";
}

std::unique_ptr<Step> make_github_auth_step() {
    return std::make_unique<GithubAuthStep>();
}

}  // namespace dev8::steps
