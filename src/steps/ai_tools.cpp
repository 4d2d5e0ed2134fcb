#include "dev8/steps/ai_tools.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <filesystem>

#include "dev8/credentials/shell_env.h"
#include "dev8/fs/links.h"
#include "dev8/fs/marked_block.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"

namespace dev8::steps {
namespace {

constexpr fs::Markers kHookMarkers{"# >>> dev8-init >>>", "# <<< dev8-init <<<"};
// `if` rather than `[ -r f ] && . f`: a file holding only this block, sourced
// under `set -e` before the env file exists, must not return 1.
constexpr std::string_view kHookBody =
    "# Managed by dev8-init: AI keys, GitHub token and workspace for every session.\n"
    "if [ -r ~/.config/dev8/env ]; then . ~/.config/dev8/env; fi\n";

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

std::string hook_block() {
    return fmt::format("{}\n{}{}\n", kHookMarkers.begin, kHookBody, kHookMarkers.end);
}

// What an rc file holds of a block whose end marker was deleted: its own lines.
bool is_hook_body_line(std::string_view line) {
    for (auto body : fs::lines(kHookBody))
        if (fs::trim_end(body) == line) return true;
    return false;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> rc_files_to_hook(const fs::Account& developer) {
    auto shell = std::filesystem::path(developer.shell).filename().string();
    std::vector<std::string> paths;
    for (const auto& rc : kRcFiles) {
        auto path = developer.home + "/" + std::string(rc.name);
        bool create = rc.created_for == "*" || (!shell.empty() && rc.created_for == shell);
        if (create || exists(path)) paths.push_back(path);
    }
    return paths;
}

// A dotfiles manager's symlink is followed, not replaced (fs::edit_target).
std::expected<fs::WriteOutcome, std::string> hook_rc_file(const std::string& path) {
    auto target = fs::edit_target(path);
    if (!target) return std::unexpected(target.error());
    auto current = fs::read_file(*target, fs::kMaxTextFile);
    if (!current) return std::unexpected(current.error());
    mode_t mode = 0644;
    struct stat st {};
    if (*current && ::stat(target->c_str(), &st) == 0) mode = st.st_mode & 07777;
    auto text = with_shell_env_hook(current->value_or(""));
    if (*current && text == **current) return fs::WriteOutcome::Unchanged;
    return fs::write_file_atomic(*target, text, mode);
}

std::function<bool(std::string_view)> installed_on_path(const fs::Account& developer) {
    // ~/.local/bin: where Claude Code's own installer puts it, on PATH for
    // login shells through Debian's .profile.
    std::string path = developer.home + "/.local/bin:" + process::command_path();
    return [path](std::string_view binary) {
        return process::find_executable(std::string(binary), path).has_value();
    };
}

struct AiToolsWork {
    std::string env_file;
    std::vector<std::string> rc_files;
    std::string tools;  // describe_ai_tools()
    std::string home;
};

class AiToolsStep final : public DecidedStep<AiToolsWork> {
  public:
    std::string_view name() const override { return "ai-tools"; }

  protected:
    std::expected<AiToolsWork, std::string> decide(const config::Config& config) const override {
        return AiToolsWork{
            .env_file = credentials::shell_env_path(config.developer),
            .rc_files = rc_files_to_hook(config.developer),
            .tools = credentials::describe_ai_tools(config, installed_on_path(config.developer)),
            .home = config.developer.home,
        };
    }

    std::string describe(const AiToolsWork& work) const override {
        auto in_home = [&work](const std::string& path) {
            return "~" + path.substr(work.home.size());
        };
        std::vector<std::string> rc_files;
        for (const auto& path : work.rc_files) rc_files.push_back(in_home(path));
        return fmt::format("write {} ({}), sourced from {}", in_home(work.env_file), work.tools,
                           fmt::join(rc_files, ", "));
    }

    StepResult carry_out(StepContext& context, const AiToolsWork& work) override {
        if (auto written = credentials::write_shell_env(context.config); !written)
            return StepResult::failed(written.error());
        std::vector<std::string> errors;
        for (const auto& path : work.rc_files) {
            if (auto hooked = hook_rc_file(path); !hooked) errors.push_back(hooked.error());
        }
        if (!errors.empty()) return StepResult::failed(fmt::format("{}", fmt::join(errors, "; ")));
        return StepResult::ok(work.tools);
    }
};

}  // namespace

std::string with_shell_env_hook(std::string_view rc) {
    return fs::MarkedText::parse(rc, kHookMarkers, is_hook_body_line)
        .with(hook_block(), fs::Placement::Start);
}

std::unique_ptr<Step> make_ai_tools_step() {
    return std::make_unique<AiToolsStep>();
}

}  // namespace dev8::steps
