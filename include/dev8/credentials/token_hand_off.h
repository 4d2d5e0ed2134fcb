#pragma once

#include <expected>
#include <stop_token>
#include <string>

#include "dev8/config/config.h"
#include "dev8/github/api.h"
#include "dev8/process/reaper.h"

namespace dev8::credentials {

// Where a GitHub token goes for the developer's tools: the 0600 file that
// `dev8-init git-credential` serves to git, gh's login, and the shells' env
// file. The github-auth step hands the first token on, the refresh thread a
// rotated one; both through here. Every file is written as the developer.
class TokenHandOff {
  public:
    TokenHandOff(const config::Config& config, process::Reaper& reaper)
        : config_(config), reaper_(reaper) {}

    // A token GitHub accepted, to git and gh; the value says what was done.
    std::expected<std::string, std::string> to_git_and_gh(const std::string& token,
                                                          const github::TokenCheck& check,
                                                          std::stop_token stop) const;

    // A token that could not be checked (GitHub unreachable) is stored for git
    // alone, so git works as soon as GitHub answers again.
    std::expected<void, std::string> to_git(const std::string& token,
                                            const github::TokenCheck& check) const;

    // A rotated token to git, gh and the env file, so that no file in the
    // home still holds the old one.
    std::expected<std::string, std::string> rotate(const std::string& token,
                                                   const github::TokenCheck& check,
                                                   std::stop_token stop) const;

  private:
    const config::Config& config_;
    process::Reaper& reaper_;
};

}  // namespace dev8::credentials
