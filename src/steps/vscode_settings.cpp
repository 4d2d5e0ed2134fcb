#include "dev8/steps/vscode_settings.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/jsonc.h"
#include "dev8/fs/links.h"
#include "dev8/fs/read_file.h"

namespace dev8::steps {
namespace {

using Members = fs::JsoncObject::Members;

// What Codespaces and Gitpod users expect of a workspace they own: Copilot in
// every language, no telemetry, no welcome tab or workspace-trust prompt, and
// edits saved on their own because a browser tab can lose its connection.
Members managed_defaults() {
    return {
        {"github.copilot.enable", nlohmann::json::object({{"*", true}})},
        {"telemetry.telemetryLevel", "off"},
        {"workbench.startupEditor", "none"},
        {"security.workspace.trust.enabled", false},
        {"files.autoSave", "afterDelay"},
    };
}

// The defaults with DEV8_VSCODE_SETTINGS over them, in that order.
Members managed_settings(const nlohmann::json& extra) {
    auto members = managed_defaults();
    for (const auto& [key, value] : extra.items()) {
        auto same_key = [&key](const auto& member) { return member.first == key; };
        if (auto it = std::ranges::find_if(members, same_key); it != members.end())
            it->second = value;
        else
            members.emplace_back(key, value);
    }
    std::erase_if(members, [](const auto& member) { return member.second.is_null(); });
    return members;
}

std::string settings_path(const fs::Account& developer) {
    return developer.home + "/.local/share/code-server/User/settings.json";
}

mode_t mode_or_0644(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0644;
    return st.st_mode & 07777;
}

std::string outcome(size_t added, size_t kept) {
    auto message = fmt::format("added {} setting{}", added, added == 1 ? "" : "s");
    if (kept > 0) message += fmt::format(", kept {} set by the user", kept);
    return message;
}

struct VscodeSettingsWork {
    std::string path;
    Members settings;
};

class VscodeSettingsStep final : public DecidedStep<VscodeSettingsWork> {
  public:
    std::string_view name() const override { return "vscode-settings"; }

  protected:
    std::expected<VscodeSettingsWork, std::string> decide(
        const config::Config& config) const override {
        return VscodeSettingsWork{settings_path(config.developer),
                                  managed_settings(config.vscode_settings)};
    }

    std::string describe(const VscodeSettingsWork& work) const override {
        return fmt::format("add any of {} managed settings missing from {}", work.settings.size(),
                           work.path);
    }

    StepResult carry_out(StepContext&, const VscodeSettingsWork& work) override {
        // A dotfiles manager's link stays: its target is edited (fs::edit_target).
        auto path = fs::edit_target(work.path);
        if (!path) return StepResult::failed(path.error());
        auto text = fs::read_file(*path, fs::kMaxTextFile);
        if (!text) return StepResult::failed(text.error());
        bool exists = text->has_value();
        auto document = fs::JsoncObject::parse(std::move(*text).value_or(""));
        if (!document) {
            return StepResult::failed(*path + ": " + document.error() + "; left untouched");
        }

        Members missing;
        std::ranges::copy_if(work.settings, std::back_inserter(missing),
                             [&](const auto& member) { return !document->contains(member.first); });
        if (missing.empty()) {
            return StepResult::ok(
                fmt::format("all {} settings already present", work.settings.size()));
        }

        // Only a missing folder is made: ensure_directory would also reset the
        // mode of one the user chose.
        auto dir = std::filesystem::path(*path).parent_path().string();
        std::error_code error;
        if (!exists && !std::filesystem::is_directory(dir, error)) {
            if (auto made = fs::ensure_directory(dir, 0755); !made) {
                return StepResult::failed(made.error());
            }
        }
        if (auto written =
                fs::write_file_atomic(*path, document->with_members(missing), mode_or_0644(*path));
            !written) {
            return StepResult::failed(written.error());
        }
        return StepResult::ok(outcome(missing.size(), work.settings.size() - missing.size()));
    }
};

}  // namespace

std::unique_ptr<Step> make_vscode_settings_step() {
    return std::make_unique<VscodeSettingsStep>();
}

}  // namespace dev8::steps
