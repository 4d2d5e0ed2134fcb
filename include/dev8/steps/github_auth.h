#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "dev8/github/api.h"
#include "dev8/steps/step.h"

namespace dev8::steps {

// github-auth: validates the token, stores it for `dev8-init git-credential`
// and logs gh in (DESIGN.md §4).
std::unique_ptr<Step> make_github_auth_step();

// What github-auth does with a token GitHub accepted: the 0600 credential
// file `dev8-init git-credential` serves, then gh's login (skipped when gh
// already holds the token). Also the token-refresh thread's, on rotation. The
// calling thread must act as the developer; the value says what was done.
std::expected<std::string, std::string> hand_token_to_git_and_gh(StepContext& context,
                                                                 const github::TokenCheck& check,
                                                                 const std::string& token);

// gh's hosts.yml with `host` set to this token and login, every other host's
// block kept as it was. For tokens gh's own login refuses (no read:org).
std::string with_gh_host(std::string_view hosts_yml, const std::string& host,
                         const std::string& login, const std::string& token);

}  // namespace dev8::steps
