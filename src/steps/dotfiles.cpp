#include "dev8/steps/dotfiles.h"

#include <dirent.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"
#include "dev8/steps/relayed_command.h"

namespace dev8::steps {
namespace {

// Codespaces' list, in its order.
constexpr const char* kInstallScripts[] = {"install.sh", "install",          "bootstrap.sh",
                                           "bootstrap",  "script/bootstrap", "setup.sh",
                                           "setup",      "script/setup"};
constexpr std::string_view kLinks = "symlinks";

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

std::string short_commit(const std::string& commit) {
    return commit.substr(0, 7);
}

// What the install is: DEV8_DOTFILES_INSTALL, the first script found, or links.
std::string install_kind(const config::Config& config) {
    if (!config.dotfiles_install.empty()) return config.dotfiles_install;
    for (const char* script : kInstallScripts)
        if (is_executable_file(config.dotfiles_dir + "/" + script)) return script;
    return std::string(kLinks);
}

std::string state_file(const config::Config& config) {
    return config.developer.home + "/.local/state/dev8/dotfiles";
}

// Every top-level dotfile of the clone linked into the home; what was there
// and differs is first moved aside, never lost.
std::expected<std::string, std::string> link_dotfiles(const config::Config& config) {
    const auto& dir = config.dotfiles_dir;
    DIR* listing = ::opendir(dir.c_str());
    if (!listing) return std::unexpected(dir + ": " + std::strerror(errno));
    std::vector<std::string> names;
    while (auto* entry = ::readdir(listing)) {
        std::string name = entry->d_name;
        if (name.size() > 1 && name.front() == '.' && name != ".." && name != ".git")
            names.push_back(name);
    }
    ::closedir(listing);
    std::ranges::sort(names);
    auto stamp = fmt::format("{:%Y%m%dT%H%M%SZ}", fmt::gmtime(std::time(nullptr)));
    std::vector<std::string> linked, backed_up;
    for (const auto& name : names) {
        auto target = dir + "/" + name;
        auto link = config.developer.home + "/" + name;
        std::array<char, 4096> buffer{};
        auto n = ::readlink(link.c_str(), buffer.data(), buffer.size() - 1);
        if (n >= 0 && std::string_view(buffer.data(), static_cast<size_t>(n)) == target) continue;
        if (exists(link)) {
            auto backup = link + ".dev8-backup-" + stamp;
            if (::rename(link.c_str(), backup.c_str()) < 0)
                return std::unexpected(link + ": cannot move aside: " + std::strerror(errno));
            backed_up.push_back(name);
        }
        if (::symlink(target.c_str(), link.c_str()) < 0)
            return std::unexpected(link + ": " + std::strerror(errno));
        linked.push_back(name);
    }
    auto text = fmt::format("linked {} file{}", linked.size(), linked.size() == 1 ? "" : "s");
    if (!backed_up.empty())
        text += fmt::format(" (moved aside as NAME.dev8-backup-{}: {})", stamp,
                            fmt::join(backed_up, ", "));
    return text;
}

// One run of the step: git as the developer, then the install.
class DotfilesRun {
  public:
    DotfilesRun(StepContext& context)
        : config_(context.config), runner_(context.developer_commands()) {}

    StepResult run() {
        const auto& dir = config_.dotfiles_dir;
        std::string what;
        if (!exists(dir + "/.git")) {
            if (exists(dir) && !empty_dir(dir))
                return StepResult::failed(dir + " exists and is not a git clone; left as it is");
            if (auto cloned = clone(); !cloned) return StepResult::failed(cloned.error());
            what = "cloned";
        } else {
            auto origin = git({"-C", dir, "remote", "get-url", "origin"});
            if (origin && fs::trim(origin->out) != config_.dotfiles_url)
                return StepResult::failed(fmt::format("{} is a clone of {}, not {}; left as it is",
                                                      dir, fs::trim(origin->out),
                                                      config_.dotfiles_url));
            auto updated = update();
            if (!updated) return StepResult::failed(updated.error());
            what = *updated;
        }
        auto head = rev_parse("HEAD");
        if (!head) return StepResult::failed(dir + ": no commit checked out");
        return install(*head, what);
    }

  private:
    static bool empty_dir(const std::string& dir) {
        DIR* listing = ::opendir(dir.c_str());
        if (!listing) return false;
        int entries = 0;
        while (::readdir(listing)) ++entries;
        ::closedir(listing);
        return entries <= 2;
    }

    std::expected<process::RunResult, std::string> git(std::vector<std::string> args) const {
        args.insert(args.begin(), "git");
        auto result = runner_.run(std::move(args), git_environment(), {}, config_.dotfiles_timeout);
        if (!result) return std::unexpected(result.error().message);
        if (result->timed_out)
            return std::unexpected("timed out after " +
                                   config::format_duration(config_.dotfiles_timeout));
        if (!result->exit.success()) return std::unexpected(process::first_line(*result));
        return *result;
    }

    // Never a prompt; SSL_CERT_FILE, the CA bundle for HTTPS, is git's too
    // (its libcurl does not read the variable).
    static std::map<std::string, std::string> git_environment() {
        std::map<std::string, std::string> env = {{"GIT_TERMINAL_PROMPT", "0"},
                                                  {"GIT_SSH_COMMAND", "ssh -o BatchMode=yes"}};
        if (const char* ca = std::getenv("SSL_CERT_FILE"); ca && *ca) env["GIT_SSL_CAINFO"] = ca;
        return env;
    }

    std::optional<std::string> rev_parse(const std::string& ref) const {
        auto result = git(
            {"-C", config_.dotfiles_dir, "rev-parse", "--verify", "--quiet", ref + "^{commit}"});
        if (!result) return std::nullopt;
        return std::string(fs::trim(result->out));
    }

    std::expected<void, std::string> clone() const {
        const auto& ref = config_.dotfiles_ref;
        std::vector<std::string> args = {"clone", "--quiet"};
        if (!ref.empty()) args.insert(args.end(), {"--branch", ref});
        args.insert(args.end(), {"--", config_.dotfiles_url, config_.dotfiles_dir});
        auto cloned = git(args);
        if (cloned) return {};
        if (ref.empty()) return std::unexpected("clone failed: " + cloned.error());
        // --branch takes branches and tags: a commit is checked out after.
        auto plain = git({"clone", "--quiet", "--", config_.dotfiles_url, config_.dotfiles_dir});
        if (!plain) return std::unexpected("clone failed: " + plain.error());
        auto checkout = git({"-C", config_.dotfiles_dir, "checkout", "--quiet", "--detach", ref});
        if (!checkout)
            return std::unexpected(
                fmt::format("no branch, tag or commit {}: {}", ref, checkout.error()));
        return {};
    }

    // Fetch, then move forward only: a clone with local changes or commits
    // of its own is the developer's, left as it is (the reason in the message).
    std::expected<std::string, std::string> update() const {
        const auto& dir = config_.dotfiles_dir;
        auto fetched = git({"-C", dir, "fetch", "--quiet", "--prune", "--tags", "origin"});
        std::string offline = fetched ? "" : "fetch failed (" + fetched.error() + ")";
        const auto& ref = config_.dotfiles_ref;
        std::optional<std::string> target;
        if (ref.empty())
            target = rev_parse("origin/HEAD");
        else if (!(target = rev_parse("origin/" + ref)))
            target = rev_parse(ref);
        auto head = rev_parse("HEAD");
        if (!target || !head) {
            if (!offline.empty()) return std::unexpected(offline + "; nothing checked out yet");
            return std::unexpected(fmt::format("no branch, tag or commit {} in {}",
                                               ref.empty() ? "origin/HEAD" : ref,
                                               config_.dotfiles_url));
        }
        auto kept = [&](const std::string& why) {
            return fmt::format("{}{}kept {} ({})", offline, offline.empty() ? "" : "; ",
                               short_commit(*head), why);
        };
        if (*target == *head) return offline.empty() ? "up to date" : kept("offline");
        if (!git({"-C", dir, "merge-base", "--is-ancestor", *head, *target}))
            return kept(fmt::format("it has commits {} does not; left as it is",
                                    ref.empty() ? "the remote's default branch" : ref));
        auto changes = git({"-C", dir, "status", "--porcelain", "--untracked-files=no"});
        if (!changes || !fs::trim(changes->out).empty())
            return kept("local changes; left as it is");
        bool on_branch = static_cast<bool>(git({"-C", dir, "symbolic-ref", "--quiet", "HEAD"}));
        auto moved = on_branch ? git({"-C", dir, "merge", "--ff-only", "--quiet", *target})
                               : git({"-C", dir, "checkout", "--quiet", "--detach", *target});
        if (!moved) return std::unexpected("update failed: " + moved.error());
        return "updated from " + short_commit(*head);
    }

    StepResult install(const std::string& commit, const std::string& what) const {
        auto kind = install_kind(config_);
        auto state = fmt::format("{}\n{}\n", commit, kind);
        auto done = fs::read_file(state_file(config_), fs::kMaxTextFile);
        auto at = fmt::format("{} at {}", what, short_commit(commit));
        if (done && *done && **done == state) return StepResult::ok(at + "; installed already");
        std::string installed;
        if (kind == kLinks) {
            auto linked = link_dotfiles(config_);
            if (!linked) return StepResult::failed(at + "; " + linked.error());
            installed = *linked;
        } else {
            auto ran = run_install(kind);
            if (!ran) return StepResult::failed(at + "; " + ran.error());
            installed =
                "ran " + (kind == config_.dotfiles_install ? "DEV8_DOTFILES_INSTALL" : kind);
        }
        auto parent = config_.developer.home + "/.local/state/dev8";
        if (auto made = fs::ensure_directory(parent, 0755); !made)
            return StepResult::failed(at + "; " + made.error());
        if (auto saved = fs::write_file_atomic(state_file(config_), state, 0644); !saved)
            return StepResult::failed(at + "; " + saved.error());
        return StepResult::ok(at + "; " + installed);
    }

    // In the clone's folder, by the developer's login shell, as Codespaces
    // runs it; its output relayed as [dotfiles].
    std::expected<void, std::string> run_install(const std::string& kind) const {
        auto shell =
            config_.developer.shell.empty() ? std::string("/bin/sh") : config_.developer.shell;
        auto command = kind == config_.dotfiles_install ? kind : "exec ./" + kind;
        auto name = kind == config_.dotfiles_install ? std::string("DEV8_DOTFILES_INSTALL") : kind;
        auto ran = run_relayed(
            runner_, {shell, "-l", "-c", "cd \"$DEV8_DOTFILES_DIR\" && " + command},
            {{"DEV8_DOTFILES_DIR", config_.dotfiles_dir}}, config_.dotfiles_timeout, "dotfiles");
        if (!ran) return std::unexpected(name + ": " + ran.error());
        return {};
    }

    const config::Config& config_;
    process::CommandRunner runner_;
};

class DotfilesStep final : public Step {
  public:
    std::string_view name() const override { return "dotfiles"; }
    Lane lane() const override { return Lane::Final; }

    std::string plan(const config::Config& config) const override {
        if (config.dotfiles_url.empty()) return "skipped: DEV8_DOTFILES_REPO not set";
        return fmt::format(
            "clone or fast-forward {} ({}) in {}, then {}, at most {} each", config.dotfiles_url,
            config.dotfiles_ref.empty() ? "the default branch" : config.dotfiles_ref,
            config.dotfiles_dir,
            config.dotfiles_install.empty()
                ? "run its install script (install.sh, bootstrap.sh, setup.sh, ...) or link "
                  "its dotfiles into the home"
                : "run DEV8_DOTFILES_INSTALL",
            config::format_duration(config.dotfiles_timeout));
    }

    StepResult run(StepContext& context) override {
        if (context.config.dotfiles_url.empty())
            return StepResult::skipped("DEV8_DOTFILES_REPO not set");
        if (!process::find_command("git")) return StepResult::skipped("git not installed");
        return DotfilesRun(context).run();
    }
};

}  // namespace

std::unique_ptr<Step> make_dotfiles_step() {
    return std::make_unique<DotfilesStep>();
}

}  // namespace dev8::steps
