#pragma once

#include <expected>
#include <mutex>
#include <stop_token>
#include <string>

#include "dev8/config/config.h"
#include "dev8/fs/atomic_file.h"
#include "dev8/github/api.h"
#include "dev8/process/reaper.h"

namespace dev8::credentials {

// Where credentials go for the developer's tools: the 0600 file that
// `dev8-init git-credential` serves to git, gh's login, and the shells' env
// file. The github-auth step hands the first token on; the refresh thread a
// rotated one, or the first one a secret manager wrote after start; SIGHUP
// new AI keys. All through here, from one copy of the current secrets, so no
// change undoes another. Every file is written as the developer.
class HandOff {
  public:
    HandOff(const config::Config& config, process::Reaper& reaper)
        : config_(config), reaper_(reaper), secrets_(config.secrets) {}

    // A token GitHub accepted, to git and gh; the value says what was done.
    std::expected<std::string, std::string> to_git_and_gh(const std::string& token,
                                                          const github::TokenCheck& check,
                                                          std::stop_token stop) const;

    // A token that could not be checked (GitHub unreachable) is stored for git
    // alone, so git works as soon as GitHub answers again.
    std::expected<void, std::string> to_git(const std::string& token,
                                            const github::TokenCheck& check) const;

    // A new token (rotated, or the first to appear) to git, gh and the env
    // file, so that no file in the home still holds the old one.
    std::expected<std::string, std::string> rotate_token(const std::string& token,
                                                         const github::TokenCheck& check,
                                                         std::stop_token stop);

    // ANTHROPIC_API_KEY and OPENAI_API_KEY as their _FILE now holds them (an
    // absent one is kept as it was): the env file is rewritten when one changed.
    std::expected<std::string, std::string> update_ai_keys(
        const std::optional<config::Secret>& anthropic,
        const std::optional<config::Secret>& openai);

  private:
    std::expected<fs::WriteOutcome, std::string> rewrite_env_file();

    const config::Config& config_;
    process::Reaper& reaper_;
    std::mutex mutex_;  // secrets_ and the env file
    config::Secrets secrets_;
};

}  // namespace dev8::credentials
