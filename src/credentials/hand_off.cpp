#include "dev8/credentials/hand_off.h"

#include "dev8/credentials/gh.h"
#include "dev8/credentials/git_credential.h"
#include "dev8/credentials/shell_env.h"
#include "dev8/fs/atomic_file.h"
#include "dev8/process/identity.h"
#include "dev8/process/user_command.h"

namespace dev8::credentials {

std::expected<void, std::string> HandOff::to_git(const std::string& token,
                                                 const github::TokenCheck& check) const {
    return process::as_user(config_.developer, [&]() -> std::expected<void, std::string> {
        const auto& home = config_.developer.home;
        if (auto dir = fs::ensure_directory(home + "/.config/dev8", 0700); !dir) {
            return std::unexpected(dir.error());
        }
        auto text = render_credential(
            {config_.github_host, check.login.empty() ? "x-access-token" : check.login, token});
        if (!text) return std::unexpected(text.error());
        auto written = fs::write_file_atomic(credential_path(home), *text, 0600);
        if (!written) return std::unexpected(written.error());
        return {};
    });
}

std::expected<std::string, std::string> HandOff::to_git_and_gh(const std::string& token,
                                                               const github::TokenCheck& check,
                                                               std::stop_token stop) const {
    if (auto stored = to_git(token, check); !stored) return std::unexpected(stored.error());
    process::CommandRunner gh(config_.developer, reaper_, std::move(stop));
    auto logged_in = process::as_user(config_.developer, [&] {
        return log_gh_in(gh, config_.developer.home, config_.github_host, check, token);
    });
    if (!logged_in) return std::unexpected("git credential stored; " + logged_in.error());
    return "git credential stored; " + *logged_in;
}

std::expected<std::string, std::string> HandOff::rotate_token(const std::string& token,
                                                              const github::TokenCheck& check,
                                                              std::stop_token stop) {
    auto handed = to_git_and_gh(token, check, std::move(stop));
    if (!handed) return handed;
    std::lock_guard lock(mutex_);
    auto source =
        secrets_.github_token ? secrets_.github_token->source : std::string("GITHUB_TOKEN_FILE");
    secrets_.github_token = config::Secret{token, source};
    if (auto env = rewrite_env_file(); !env) return std::unexpected(env.error());
    return *handed + "; env file updated";
}

std::expected<std::string, std::string> HandOff::update_ai_keys(
    const std::optional<config::Secret>& anthropic, const std::optional<config::Secret>& openai) {
    std::lock_guard lock(mutex_);
    auto value = [](const std::optional<config::Secret>& s) { return s ? s->value : ""; };
    bool changed = false;
    for (auto [now, current] : {std::pair{&anthropic, &secrets_.anthropic_api_key},
                                std::pair{&openai, &secrets_.openai_api_key}}) {
        if (!*now || value(*now) == value(*current)) continue;
        *current = **now;
        changed = true;
    }
    if (!changed) return std::string("AI keys unchanged");
    auto env = rewrite_env_file();
    if (!env) return std::unexpected(env.error());
    return std::string("env file updated with the new AI keys");
}

// Called with mutex_ held.
std::expected<fs::WriteOutcome, std::string> HandOff::rewrite_env_file() {
    auto current = config_;
    current.secrets = secrets_;
    return process::as_user(config_.developer,
                            [&] { return credentials::write_shell_env(current); });
}

}  // namespace dev8::credentials
