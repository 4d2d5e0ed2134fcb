#pragma once

#include <memory>

#include "dev8/steps/step.h"

namespace dev8::steps {

// git-config: user.name, user.email and the credential helper for the GitHub
// host, through `git config --global` as the developer (DESIGN.md §4).
std::unique_ptr<Step> make_git_config_step();

}  // namespace dev8::steps
