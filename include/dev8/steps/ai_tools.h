#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dev8/steps/step.h"

namespace dev8::steps {

// `rc` with the managed block that sources the env file: refreshed where it
// is, else added at the very top (above .bashrc's interactivity guard, which
// would otherwise hide the keys from `ssh host cmd`). Every other byte stays.
std::string with_shell_env_hook(std::string_view rc);

// The `ai-tools` step of DESIGN.md §4: the env file of credentials::shell_env,
// and the hook in ~/.profile, ~/.bashrc (and ~/.zshenv for zsh,
// ~/.bash_profile and ~/.bash_login when they exist). Ok whether or not any
// tool is installed.
std::unique_ptr<Step> make_ai_tools_step();

}  // namespace dev8::steps
