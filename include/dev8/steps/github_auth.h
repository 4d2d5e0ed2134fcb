#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dev8/steps/step.h"

namespace dev8::steps {

// github-auth: validates the token, stores it for `dev8-init git-credential`
// and logs gh in (DESIGN.md §4).
std::unique_ptr<Step> make_github_auth_step();

// gh's hosts.yml with `host` set to this token and login, every other host's
// block kept as it was. For tokens gh's own login refuses (no read:org).
std::string with_gh_host(std::string_view hosts_yml, const std::string& host,
                         const std::string& login, const std::string& token);

}  // namespace dev8::steps
