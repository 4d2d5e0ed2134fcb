#include "dev8/credentials/token_hand_off.h"

#include "dev8/credentials/gh.h"
#include "dev8/credentials/git_credential.h"
#include "dev8/credentials/shell_env.h"
#include "dev8/fs/atomic_file.h"
#include "dev8/process/identity.h"
#include "dev8/process/user_command.h"

namespace dev8::credentials {

std::expected<void, std::string> TokenHandOff::to_git(const std::string& token,
                                                      const github::TokenCheck& check) const {
    return process::as_user(config_.developer, [&]() -> std::expected<void, std::string> {
        const auto& home = config_.developer.home;
        if (auto dir = fs::ensure_directory(home + "/.config/dev8", 0700); !dir) {
            return std::unexpected(dir.error());
        }
        auto text = render_credential(
            {config_.github_host, check.login.empty() ? "x-access-token" : check.login, token});
        auto written = fs::write_file_atomic(credential_path(home), text, 0600);
        if (!written) return std::unexpected(written.error());
        return {};
    });
}

std::expected<std::string, std::string> TokenHandOff::to_git_and_gh(const std::string& token,
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

std::expected<std::string, std::string> TokenHandOff::rotate(const std::string& token,
                                                             const github::TokenCheck& check,
                                                             std::stop_token stop) const {
    auto handed = to_git_and_gh(token, check, std::move(stop));
    if (!handed) return handed;
    auto rotated = config_;
    rotated.secrets.github_token = config::Secret{
        token, config_.secrets.github_token ? config_.secrets.github_token->source : ""};
    auto env = process::as_user(config_.developer, [&] { return write_shell_env(rotated); });
    if (!env) return std::unexpected(env.error());
    return *handed + "; env file updated";
}

}  // namespace dev8::credentials
