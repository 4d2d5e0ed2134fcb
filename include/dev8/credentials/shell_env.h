#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/config/config.h"
#include "dev8/fs/atomic_file.h"

namespace dev8::credentials {

// An AI CLI that reads its credential from the environment. Adding a tool is
// adding a row to ai_tools().
struct AiTool {
    std::string_view title;   // "Claude Code"
    std::string_view binary;  // looked up on the developer's PATH; names the tool in messages
    std::optional<config::Secret> config::Secrets::*credential;
    std::string_view credential_kind;  // "key" or "token", for the step's message
    std::vector<std::string_view> variables;
    // Where the credential goes when DEV8_GITHUB_HOST is not github.com; empty:
    // the same as `variables`. gh ignores GH_TOKEN for another host.
    std::vector<std::string_view> enterprise_variables;
};

const std::vector<AiTool>& ai_tools();

// `value` in single quotes for a POSIX shell, a `'` written as '\''. Nothing
// inside is expanded: no `$`, backtick or backslash, and a newline is literal.
std::string shell_quote(std::string_view value);

// ~/.config/dev8/env of the developer.
std::string shell_env_path(const fs::Account& developer);

// The text of the env file: an `export NAME='value'` line for each credential
// of ai_tools() that is set, GH_HOST for a GitHub host other than github.com,
// then the move into DEV8_WORKSPACE at the start of a session.
std::string render_shell_env(const config::Config& config);

// Writes the env file (0600, its directory 0700) with the file identity of the
// calling thread, which must act as the developer. At every start and each
// token rotation, so that no file in the home keeps an old token.
std::expected<fs::WriteOutcome, std::string> write_shell_env(const config::Config& config);

// One clause a tool, "claude: key set, not installed; codex: no key; copilot:
// installed, token set"; `installed` answers for a binary name. Never a value.
std::string describe_ai_tools(const config::Config& config,
                              const std::function<bool(std::string_view binary)>& installed);

}  // namespace dev8::credentials
