#include <spdlog/spdlog.h>

#include <filesystem>

#include "builtin.h"
#include "dev8/fs/atomic_file.h"
#include "dev8/process/identity.h"
#include "dev8/ssh/host_key.h"
#include "dev8/ssh/sshd_config.h"

namespace dev8::supervisor::builtin {
namespace {

bool inside(const std::string& path, const std::string& dir) {
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

fs::Account root_account() {
    return {.name = "root", .uid = 0, .gid = 0, .home = "/root", .shell = "/bin/sh", .groups = {0}};
}

class SshdPlan {
  public:
    SshdPlan(const config::Config& config, const BuiltinOptions& options)
        : config_(config),
          options_(options),
          as_root_(options.uid == 0),
          runner_(as_root_ ? root_account() : config.developer) {}

    BuiltinService service() const {
        BuiltinService out;
        out.name = "sshd";
        if (disabled_by_toggle(out, config_.sshd, "DEV8_SSHD", config_.sshd_bin,
                               is_executable_file(config_.sshd_bin))) {
            return out;
        }
        if (auto reason = cannot_run_as(config_.developer, options_.uid)) {
            out.disabled_reason =
                *reason + ": sshd could not log " + config_.developer.name + " in";
            out.error = "sshd: " + out.disabled_reason;
            return out;
        }
        out.detail = "host key " + config_.ssh_host_key_dir +
                     "/ssh_host_ed25519_key, key-only logins for " + config_.developer.name;
        out.spec = spec();
        return out;
    }

  private:
    std::string config_path() const { return config_.state_dir + "/sshd_config"; }

    ServiceSpec spec() const {
        ServiceSpec spec;
        spec.name = "sshd";
        spec.builtin = true;
        spec.command = {config_.sshd_bin, "-D", "-e", "-f", config_path()};
        spec.user = runner_;
        spec.cwd = "/";
        spec.ready = SshProbe{config_.ssh_port};
        // A login needs its authorized key and its shell's environment; git
        // and gh may still be on their way (README: Init steps).
        spec.after_steps = {"ssh-keys", "ai-tools"};
        spec.prepare = [plan = *this]() mutable { return plan.prepare(); };
        return spec;
    }

    std::expected<std::map<std::string, std::string>, std::string> prepare() {
        if (as_root_) {
            // OpenSSH's privilege separation chroots its pre-auth child here.
            if (auto made = fs::ensure_directory("/run/sshd", 0755); !made)
                return std::unexpected(made.error());
        }
        auto key = host_key();
        if (!key) return std::unexpected(key.error());
        ssh::SshdSettings settings{.port = config_.ssh_port,
                                   .host_key_path = key->private_path,
                                   .pid_file = config_.state_dir + "/sshd.pid",
                                   .allow_user = config_.developer.name,
                                   .as_root = as_root_};
        auto written =
            fs::write_file_atomic(config_path(), ssh::render_sshd_config(settings), 0644);
        if (!written) return std::unexpected(written.error());
        return std::map<std::string, std::string>{};
    }

    std::expected<ssh::HostKey, std::string> host_key() {
        const auto& dir = config_.ssh_host_key_dir;
        auto parent = std::filesystem::path(dir).parent_path().string();
        if (!is_directory(parent)) {
            // In the developer's home the folders above the key belong to the
            // developer; the key folder itself to the user sshd runs as.
            auto make = [&parent] { return fs::ensure_directory(parent, 0755); };
            bool in_home =
                inside(parent, config_.developer.home) || parent == config_.developer.home;
            if (auto made = in_home ? process::as_user(config_.developer, make) : make(); !made)
                return std::unexpected(made.error());
        }
        auto key = ssh::ensure_host_key(dir, {runner_.uid, runner_.gid});
        if (!key) return key;
        for (const auto& note : key->notes) spdlog::warn("sshd: {}", note);
        if (key->fingerprint != announced_) {
            spdlog::info("sshd: host key {} ({} {})", key->fingerprint,
                         key->generated ? "generated in" : "from", dir);
            announced_ = key->fingerprint;
        }
        if (options_.on_host_keys) options_.on_host_keys({key->fingerprint});
        return key;
    }

    const config::Config& config_;
    BuiltinOptions options_;
    bool as_root_;
    fs::Account runner_;
    std::string announced_;
};

}  // namespace

BuiltinService sshd_service(const config::Config& config, const BuiltinOptions& options) {
    return SshdPlan(config, options).service();
}

}  // namespace dev8::supervisor::builtin
