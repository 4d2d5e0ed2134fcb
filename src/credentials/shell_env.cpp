#include "dev8/credentials/shell_env.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <set>

namespace dev8::credentials {
namespace {

constexpr std::string_view kGitHubDotCom = "github.com";

constexpr std::string_view kEnvHeader =
    "# Written by dev8-init at every start and token rotation: edits are lost.\n"
    "# Sourced by the developer's shells through the dev8-init block of their rc files.\n";

// Where a session starts. DESIGN.md §10 wants ssh exec sessions, login shells
// and code-server terminals in DEV8_WORKSPACE, but this file is sourced by
// many more shells, so the move is narrow:
// - only from the home, where sshd and login put a session: a directory the
//   user or a tool chose is kept;
// - only in a session's first shell (SHLVL 0 or 1): a nested shell, a tmux
//   pane or a script keeps its directory;
// - only when interactive, or for an ssh session: .zshenv runs for every zsh
//   script, which must not move;
// - never for a file transfer or a git/rsync server (scp, sftp-server, rsync
//   --server, git-upload-pack, …): their relative paths mean the home.
// Silent and always successful: sftp and scp break on any output.
constexpr std::string_view kWorkspaceMove =
    R"(# A session starts in the workspace; file transfers and git stay in the home.
if [ "$PWD" = "$HOME" ] && [ -d {0} ]; then
    case "${{SHLVL:-1}}:$-:${{SSH_CONNECTION:+ssh}}" in
    [01]:*i*:* | [01]:*:ssh)
        case "${{BASH_EXECUTION_STRING-}}${{ZSH_EXECUTION_STRING-}}" in
        *sftp-server* | scp\ * | */scp\ * | rsync\ --server* | git-upload-pack* | git-receive-pack* | git-upload-archive*) ;;
        *) cd {0} 2>/dev/null || : ;;
        esac
        ;;
    esac
fi
)";

// An environment variable cannot hold a NUL byte; such a value is left out.
bool exportable(const std::optional<config::Secret>& secret) {
    return secret && secret->value.find('\0') == std::string::npos;
}

bool is_enterprise(const config::Config& config) {
    return config.github_host != kGitHubDotCom;
}

std::string credential_state(const AiTool& tool, const std::optional<config::Secret>& secret) {
    if (!secret) return fmt::format("no {}", tool.credential_kind);
    if (!exportable(secret)) return fmt::format("{} not exported (NUL byte)", tool.credential_kind);
    return fmt::format("{} set", tool.credential_kind);
}

}  // namespace

const std::vector<AiTool>& ai_tools() {
    static const std::vector<AiTool> tools = {
        {"Claude Code",
         "claude",
         &config::Secrets::anthropic_api_key,
         "key",
         {"ANTHROPIC_API_KEY"},
         {}},
        {"OpenAI Codex", "codex", &config::Secrets::openai_api_key, "key", {"OPENAI_API_KEY"}, {}},
        {"GitHub Copilot CLI and gh",
         "copilot",
         &config::Secrets::github_token,
         "token",
         {"GH_TOKEN", "GITHUB_TOKEN"},
         {"GH_ENTERPRISE_TOKEN"}},
    };
    return tools;
}

std::string shell_quote(std::string_view value) {
    std::string quoted = "'";
    for (char c : value) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    quoted += '\'';
    return quoted;
}

std::string shell_env_path(const fs::Account& developer) {
    return developer.home + "/.config/dev8/env";
}

std::string render_shell_env(const config::Config& config) {
    std::string text(kEnvHeader);
    std::set<std::string_view> exported;
    for (const auto& tool : ai_tools()) {
        const auto& secret = config.secrets.*tool.credential;
        if (!exportable(secret)) continue;
        const auto& names = is_enterprise(config) && !tool.enterprise_variables.empty()
                                ? tool.enterprise_variables
                                : tool.variables;
        std::string lines;
        for (auto name : names) {
            if (exported.insert(name).second)
                lines += fmt::format("export {}={}\n", name, shell_quote(secret->value));
        }
        if (!lines.empty()) text += fmt::format("# {}\n{}", tool.title, lines);
    }
    if (is_enterprise(config)) {
        text += fmt::format("# gh and the Copilot CLI use this GitHub host\nexport GH_HOST={}\n",
                            shell_quote(config.github_host));
    }
    text += fmt::format(kWorkspaceMove, shell_quote(config.workspace));
    return text;
}

std::string describe_ai_tools(const config::Config& config,
                              const std::function<bool(std::string_view binary)>& installed) {
    std::vector<std::string> clauses;
    for (const auto& tool : ai_tools()) {
        const auto& secret = config.secrets.*tool.credential;
        auto credential = credential_state(tool, secret);
        if (installed(tool.binary))
            clauses.push_back(fmt::format("{}: installed, {}", tool.binary, credential));
        else if (secret)
            clauses.push_back(fmt::format("{}: {}, not installed", tool.binary, credential));
        else
            clauses.push_back(fmt::format("{}: {}", tool.binary, credential));
    }
    return fmt::format("{}", fmt::join(clauses, "; "));
}

std::expected<fs::WriteOutcome, std::string> write_shell_env(const config::Config& config) {
    auto path = shell_env_path(config.developer);
    auto directory = std::filesystem::path(path).parent_path().string();
    if (auto made = fs::ensure_directory(directory, 0700); !made)
        return std::unexpected(made.error());
    return fs::write_file_atomic(path, render_shell_env(config), 0600);
}

}  // namespace dev8::credentials
