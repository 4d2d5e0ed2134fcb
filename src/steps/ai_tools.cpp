#include "dev8/steps/ai_tools.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "dev8/process/spawn.h"
#include "dev8/steps/developer_command.h"

namespace dev8::steps {
namespace {

constexpr std::string_view kGitHubDotCom = "github.com";

constexpr std::string_view kHookBegin = "# >>> dev8-init >>>";
constexpr std::string_view kHookEnd = "# <<< dev8-init <<<";
// `if` rather than `[ -r f ] && . f`: a file holding only this block, sourced
// under `set -e` before the env file exists, must not return 1.
constexpr std::string_view kHookBody =
    "# Managed by dev8-init: AI keys, GitHub token and workspace for every session.\n"
    "if [ -r ~/.config/dev8/env ]; then . ~/.config/dev8/env; fi\n";

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

// The rc files that get the hook: created when the developer's shell reads
// them (.profile by every login shell), else only hooked when they exist.
// .bash_profile and .bash_login are never created: bash would then stop
// reading .profile.
struct RcFile {
    std::string_view name;
    std::string_view created_for;  // a shell name, "*" for any, "" for never
};
constexpr RcFile kRcFiles[] = {
    {".profile", "*"},   {".bashrc", "bash"}, {".bash_profile", ""},
    {".bash_login", ""}, {".zshenv", "zsh"},
};

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

struct RcLine {
    size_t begin;           // offset of the line
    size_t end;             // offset after its newline
    std::string_view text;  // without the newline and trailing blanks
};

std::vector<RcLine> split_lines(std::string_view text) {
    std::vector<RcLine> lines;
    size_t begin = 0;
    while (begin < text.size()) {
        auto newline = text.find('\n', begin);
        size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
        auto line = text.substr(begin, (newline == std::string_view::npos ? end : newline) - begin);
        auto last = line.find_last_not_of(" \t\r");
        line = last == std::string_view::npos ? std::string_view() : line.substr(0, last + 1);
        lines.push_back({begin, end, line});
        begin = end;
    }
    return lines;
}

bool is_hook_body_line(std::string_view line) {
    for (const auto& body : split_lines(kHookBody))
        if (body.text == line) return true;
    return false;
}

// The last line of the block that starts at `first`: its end marker, or, when
// someone deleted that, the block's own lines that follow the begin marker.
size_t block_end(const std::vector<RcLine>& lines, size_t first) {
    for (size_t i = first + 1; i < lines.size() && lines[i].text != kHookBegin; ++i)
        if (lines[i].text == kHookEnd) return i;
    size_t last = first;
    while (last + 1 < lines.size() && is_hook_body_line(lines[last + 1].text)) ++last;
    return last;
}

std::string hook_block() {
    return fmt::format("{}\n{}{}\n", kHookBegin, kHookBody, kHookEnd);
}

std::string shell_name(const fs::Account& developer) {
    return std::filesystem::path(developer.shell).filename().string();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> rc_files_to_hook(const fs::Account& developer) {
    auto shell = shell_name(developer);
    std::vector<std::string> paths;
    for (const auto& rc : kRcFiles) {
        auto path = developer.home + "/" + std::string(rc.name);
        bool create = rc.created_for == "*" || (!shell.empty() && rc.created_for == shell);
        if (create || exists(path)) paths.push_back(path);
    }
    return paths;
}

// A dotfiles manager's symlink is followed, not replaced by a plain file.
std::expected<fs::WriteOutcome, std::string> hook_rc_file(const std::string& path) {
    std::error_code error;
    std::string target = path;
    if (std::filesystem::is_symlink(path, error)) {
        target = std::filesystem::weakly_canonical(path, error).string();
        if (error) return std::unexpected(path + ": cannot resolve the link: " + error.message());
    }
    auto current = fs::read_file(target);
    if (!current) return std::unexpected(current.error());
    mode_t mode = 0644;
    struct stat st {};
    if (*current && ::stat(target.c_str(), &st) == 0) mode = st.st_mode & 07777;
    auto text = with_shell_env_hook(current->value_or(""));
    if (*current && text == **current) return fs::WriteOutcome::Unchanged;
    return fs::write_file_atomic(target, text, mode);
}

std::function<bool(std::string_view)> installed_on_path(const fs::Account& developer) {
    // ~/.local/bin: where Claude Code's own installer puts it, on PATH for
    // login shells through Debian's .profile.
    std::string path = developer.home + "/.local/bin:" + developer_path();
    return [path](std::string_view binary) {
        return process::find_executable(std::string(binary), path).has_value();
    };
}

std::string home_relative(const fs::Account& developer, const std::string& path) {
    return "~" + path.substr(developer.home.size());
}

class AiToolsStep final : public Step {
  public:
    std::string_view name() const override { return "ai-tools"; }

    std::string plan(const config::Config& config) const override {
        std::vector<std::string> rc_files;
        for (const auto& path : rc_files_to_hook(config.developer))
            rc_files.push_back(home_relative(config.developer, path));
        return fmt::format("write {} ({}), sourced from {}",
                           home_relative(config.developer, shell_env_path(config.developer)),
                           describe_ai_tools(config, installed_on_path(config.developer)),
                           fmt::join(rc_files, ", "));
    }

    StepResult run(StepContext& context) override {
        const auto& config = context.config;
        if (auto written = write_shell_env(config); !written)
            return StepResult::failed(written.error());
        std::vector<std::string> errors;
        for (const auto& path : rc_files_to_hook(config.developer)) {
            if (auto hooked = hook_rc_file(path); !hooked) errors.push_back(hooked.error());
        }
        if (!errors.empty()) return StepResult::failed(fmt::format("{}", fmt::join(errors, "; ")));
        return StepResult::ok(describe_ai_tools(config, installed_on_path(config.developer)));
    }
};

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

std::string with_shell_env_hook(std::string_view rc) {
    auto lines = split_lines(rc);
    std::string out;
    bool placed = false;
    size_t copied = 0;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].text != kHookBegin) continue;
        size_t last = block_end(lines, i);
        out.append(rc.substr(copied, lines[i].begin - copied));
        if (!placed) out += hook_block();  // a duplicate block is dropped
        placed = true;
        copied = lines[last].end;
        i = last;
    }
    if (!placed) return hook_block() + std::string(rc);
    out.append(rc.substr(copied));
    return out;
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

std::unique_ptr<Step> make_ai_tools_step() {
    return std::make_unique<AiToolsStep>();
}

}  // namespace dev8::steps
