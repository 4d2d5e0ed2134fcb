#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/steps/step.h"

namespace dev8::steps {

// git-config: user.name, user.email and the credential helper for the GitHub
// host, through `git config --global` as the developer (DESIGN.md §4).
std::unique_ptr<Step> make_git_config_step();

// `git config --list --null` as key -> its values in order. Each entry is
// "key\nvalue" ended by NUL; a key alone (no newline) is a boolean set true.
std::map<std::string, std::vector<std::string>> parse_git_config_list(std::string_view listing);

}  // namespace dev8::steps
