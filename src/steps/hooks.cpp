#include "dev8/steps/hooks.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "dev8/fs/atomic_file.h"
#include "dev8/steps/relayed_command.h"

namespace dev8::steps {
namespace {

constexpr std::string_view kEssential = ".essential";

struct Hook {
    std::string name;  // the file's name
    std::string path;
    HookOwner owner;
    // Why it may not run, judged when it is listed, with dev8-init's own
    // view of the file system (a step acts as the developer, who may not
    // see the image's folders): once root's and safe, nobody else can
    // change it.
    std::optional<std::string> refused;
};

std::string describe_mode(mode_t mode) {
    std::string who;
    if (mode & S_IWGRP) who = "its group";
    if (mode & S_IWOTH) who += who.empty() ? "anyone" : " and anyone";
    return who;
}

// One file or folder on a hook's path: owned by root (or the developer, for
// the developer's hooks) and writable by no one else.
std::optional<std::string> unsafe_entry(const std::string& path, const struct stat& st,
                                        HookOwner owner, uid_t developer_uid, bool sticky_ok) {
    bool owner_ok = st.st_uid == 0 || (owner == HookOwner::Developer && st.st_uid == developer_uid);
    if (!owner_ok)
        return fmt::format("{} belongs to uid {}, not {}", path, st.st_uid,
                           owner == HookOwner::Image ? "root" : "root or the developer");
    bool writable = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (writable && !(sticky_ok && (st.st_mode & S_ISVTX)))
        return fmt::format("{} is writable by {}", path, describe_mode(st.st_mode));
    return std::nullopt;
}

std::vector<Hook> list_hooks(const std::string& dir, HookOwner owner, uid_t developer_uid) {
    std::vector<Hook> hooks;
    auto fd = fs::open_directory(dir);
    if (!fd) return hooks;
    DIR* listing = ::fdopendir(::dup(fd->get()));
    if (!listing) return hooks;
    while (auto* entry = ::readdir(listing)) {
        std::string name = entry->d_name;
        if (name.empty() || name.front() == '.') continue;
        struct stat st {};
        if (::fstatat(fd->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        // A link is listed, to be refused with its reason; other kinds and
        // files nobody may execute (a README) are not hooks.
        if (!S_ISLNK(st.st_mode) && !(S_ISREG(st.st_mode) && (st.st_mode & 0111))) continue;
        auto path = dir + "/" + name;
        hooks.push_back({name, path, owner, unsafe_hook(path, owner, developer_uid)});
    }
    ::closedir(listing);
    std::ranges::sort(hooks, {}, &Hook::name);
    return hooks;
}

std::string user_hook_dir(const config::Config& config) {
    return config.developer.home + "/.config/dev8/init.d";
}

class HookStep final : public Step {
  public:
    explicit HookStep(Hook hook) : hook_(std::move(hook)), name_("hook:" + hook_.name) {}

    std::string_view name() const override { return name_; }
    Lane lane() const override { return Lane::Final; }
    bool essential() const override { return hook_.name.ends_with(kEssential); }

    std::string plan(const config::Config& config) const override {
        if (hook_.refused) return "refused: " + *hook_.refused;
        return fmt::format("run {} as {}{}, at most {}", hook_.path, runs_as(config),
                           essential() ? " (essential: its failure stops start-up)" : "",
                           config::format_duration(config.hook_timeout));
    }

    StepResult run(StepContext& context) override {
        const auto& config = context.config;
        if (hook_.refused) return StepResult::failed("refused: " + *hook_.refused);
        auto account = hook_.owner == HookOwner::Developer ? config.developer : fs::own_account();
        process::CommandRunner runner(account, context.reaper, context.stop);
        auto ran =
            run_relayed(runner, {hook_.path}, environment(config), config.hook_timeout, name_);
        if (!ran) return StepResult::failed(ran.error());
        return StepResult::ok("ran as " + account.name);
    }

  private:
    std::string runs_as(const config::Config& config) const {
        return hook_.owner == HookOwner::Developer ? config.developer.name : fs::own_account().name;
    }

    // What a hook is told of the workspace; no secret (DESIGN.md §4 hooks).
    std::map<std::string, std::string> environment(const config::Config& config) const {
        return {{"DEV8_HOOK", hook_.name},
                {"DEV8_USER", config.developer.name},
                {"DEV8_HOME", config.developer.home},
                {"DEV8_WORKSPACE", config.workspace},
                {"DEV8_STATE_DIR", config.state_dir},
                {"DEV8_GITHUB_HOST", config.github_host}};
    }

    Hook hook_;
    std::string name_;
};

}  // namespace

std::optional<std::string> unsafe_hook(const std::string& path, HookOwner owner,
                                       uid_t developer_uid) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return path + ": " + std::strerror(errno);
    if (S_ISLNK(st.st_mode)) return path + " is a symlink";
    if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
    if (auto why = unsafe_entry(path, st, owner, developer_uid, false)) return why;
    // The hook's folder, and for the image's every folder above it: whoever
    // may write there may replace the hook.
    auto dir = path.substr(0, path.rfind('/'));
    bool own_folder = true;
    for (;;) {
        auto shown = dir.empty() ? std::string("/") : dir;
        if (::stat(shown.c_str(), &st) < 0) return shown + ": " + std::strerror(errno);
        if (auto why = unsafe_entry(shown, st, owner, developer_uid, !own_folder)) return why;
        if (owner == HookOwner::Developer || dir.empty()) break;
        dir = dir.substr(0, dir.rfind('/'));
        own_folder = false;
    }
    return std::nullopt;
}

std::vector<std::unique_ptr<Step>> hook_steps(const config::Config& config) {
    std::vector<std::unique_ptr<Step>> steps;
    auto uid = config.developer.uid;
    for (auto& hook : list_hooks(config.init_dir, HookOwner::Image, uid))
        steps.push_back(std::make_unique<HookStep>(std::move(hook)));
    for (auto& hook : list_hooks(user_hook_dir(config), HookOwner::Developer, uid))
        steps.push_back(std::make_unique<HookStep>(std::move(hook)));
    return steps;
}

}  // namespace dev8::steps
