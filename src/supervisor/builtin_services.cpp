#include "dev8/supervisor/builtin_services.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "dev8/fs/text.h"
#include "dev8/log/redactor.h"
#include "dev8/process/identity.h"
#include "dev8/process/spawn.h"
#include "dev8/ssh/host_key.h"
#include "dev8/ssh/sshd_config.h"
#include "dev8/supervisor/services_dir.h"

namespace dev8::supervisor {
namespace {

constexpr std::string_view kPasswordFile = "/.config/dev8/code-server-password";
constexpr size_t kPasswordLength = 24;

bool is_directory(const std::string& path) {
    std::error_code error;
    return std::filesystem::is_directory(path, error);
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

bool inside(const std::string& path, const std::string& dir) {
    return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

fs::Account root_account() {
    return {.name = "root", .uid = 0, .gid = 0, .home = "/root", .shell = "/bin/sh", .groups = {0}};
}

// Who runs a built-in service: the developer, or root for sshd. A non-root
// dev8-init can only run them as itself.
std::optional<std::string> cannot_run_as(const fs::Account& account, uid_t uid) {
    if (uid == 0 || uid == account.uid) return std::nullopt;
    return fmt::format("dev8-init runs as uid {}, neither root nor {}", uid, account.name);
}

// DEV8_SSHD and DEV8_CODE_SERVER: `off`, or `auto` without the binary, leave
// the service disabled (true); `on` without it runs it anyway, to fail loudly.
bool disabled_by_toggle(BuiltinService& out, config::Toggle toggle, const std::string& variable,
                        const std::string& binary, bool installed) {
    if (toggle == config::Toggle::Off) {
        out.disabled_reason = variable + "=off";
        return true;
    }
    if (installed) return false;
    if (toggle == config::Toggle::Auto) {
        out.disabled_reason = binary + " not installed";
        out.info = out.name + ": " + out.disabled_reason + "; not started (" + variable + "=auto)";
        return true;
    }
    out.error = out.name + ": " + variable + "=on but " + binary + " is not installed";
    return false;
}

std::string random_password() {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // Bytes at or above the largest multiple of 62 are dropped, so every
    // character is equally likely.
    constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
    std::string password;
    while (password.size() < kPasswordLength) {
        unsigned char bytes[32];
        if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
        for (unsigned char b : bytes) {
            if (b < kLimit && password.size() < kPasswordLength)
                password += kAlphabet[b % kAlphabet.size()];
        }
    }
    return password;
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
        spec.command = {config_.sshd_bin, "-D", "-e", "-f", config_path()};
        spec.user = runner_;
        spec.cwd = "/";
        spec.ready = SshProbe{config_.ssh_port};
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
            std::optional<process::ScopedFsIdentity> as_developer;
            if (inside(parent, config_.developer.home) || parent == config_.developer.home)
                as_developer.emplace(config_.developer);
            if (auto made = fs::ensure_directory(parent, 0755); !made)
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

class CodeServerPlan {
  public:
    CodeServerPlan(const config::Config& config, const BuiltinOptions& options)
        : config_(config), options_(options) {}

    BuiltinService service() const {
        BuiltinService out;
        out.name = "code-server";
        auto binary = process::find_executable(config_.code_server_bin, options_.path);
        if (disabled_by_toggle(out, config_.code_server, "DEV8_CODE_SERVER",
                               config_.code_server_bin, binary && is_executable_file(*binary))) {
            return out;
        }
        if (auto reason = cannot_run_as(config_.developer, options_.uid)) {
            out.disabled_reason = *reason;
            out.error = "code-server: " + out.disabled_reason;
            return out;
        }
        out.warning = ignored_password();
        out.detail = password_source();
        out.spec = spec(binary.value_or(config_.code_server_bin));
        return out;
    }

  private:
    std::string password_source() const {
        const auto& s = config_.secrets;
        if (config_.code_server_auth == config::CodeServerAuth::None)
            return "no password (DEV8_CODE_SERVER_AUTH=none)";
        if (s.hashed_password) return "password from " + s.hashed_password->source;
        if (s.password) return "password from " + s.password->source;
        return "password generated once in " + config_.developer.home + std::string(kPasswordFile);
    }

    std::optional<std::string> ignored_password() const {
        const auto& s = config_.secrets;
        if (config_.code_server_auth != config::CodeServerAuth::None) return std::nullopt;
        if (!s.password && !s.hashed_password) return std::nullopt;
        return std::string("code-server: DEV8_CODE_SERVER_AUTH=none, so ") +
               (s.hashed_password ? "HASHED_PASSWORD" : "PASSWORD") + " is ignored";
    }

    ServiceSpec spec(const std::string& binary) const {
        bool password = config_.code_server_auth == config::CodeServerAuth::Password;
        ServiceSpec spec;
        spec.name = "code-server";
        spec.command = {binary,
                        "--bind-addr",
                        fmt::format("0.0.0.0:{}", config_.code_server_port),
                        "--auth",
                        password ? "password" : "none",
                        "--disable-telemetry",
                        "--disable-update-check",
                        config_.workspace};
        spec.user = config_.developer;
        spec.cwd = default_cwd(config_);
        spec.ready =
            HttpProbe{fmt::format("http://127.0.0.1:{}/healthz", config_.code_server_port)};
        if (password) spec.prepare = [plan = *this]() mutable { return plan.password_env(); };
        return spec;
    }

    // code-server's own rule: HASHED_PASSWORD wins over PASSWORD.
    std::expected<std::map<std::string, std::string>, std::string> password_env() {
        const auto& s = config_.secrets;
        if (s.hashed_password)
            return std::map<std::string, std::string>{
                {"HASHED_PASSWORD", s.hashed_password->value}};
        if (s.password) return std::map<std::string, std::string>{{"PASSWORD", s.password->value}};
        auto path = config_.developer.home + std::string(kPasswordFile);
        std::expected<GeneratedPassword, std::string> generated;
        {
            process::ScopedFsIdentity as_developer(config_.developer);
            generated = load_or_create_password(path);
        }
        if (!generated) return std::unexpected(generated.error());
        log::redactor().add(generated->value);
        if (!announced_) {
            spdlog::info("code-server: {} password in {}",
                         generated->created ? "generated a" : "using the generated", path);
            announced_ = true;
        }
        return std::map<std::string, std::string>{{"PASSWORD", generated->value}};
    }

    const config::Config& config_;
    BuiltinOptions options_;
    bool announced_ = false;
};

}  // namespace

std::expected<GeneratedPassword, std::string> load_or_create_password(
    const std::string& path, std::optional<fs::FileOwner> owner) {
    auto current = fs::read_file(path);
    if (!current) return std::unexpected(current.error());
    struct stat st {};
    if (*current && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0 &&
        ::chmod(path.c_str(), 0600) != 0) {
        return std::unexpected(path + ": readable by others and cannot be made 0600");
    }
    if (*current) {
        std::string value(fs::trim_end(**current));
        if (!value.empty()) return GeneratedPassword{value, false};
    }
    auto dir = std::filesystem::path(path).parent_path().string();
    if (!is_directory(dir)) {
        if (auto made = fs::ensure_directory(dir, 0700, owner); !made)
            return std::unexpected(made.error());
    }
    auto password = random_password();
    if (password.empty()) return std::unexpected(path + ": the OpenSSL RNG failed");
    auto written = fs::write_file_atomic(path, password + "\n", 0600, owner);
    if (!written) return std::unexpected(written.error());
    return GeneratedPassword{password, true};
}

std::vector<BuiltinService> builtin_services(const config::Config& config,
                                             const BuiltinOptions& options) {
    return {SshdPlan(config, options).service(), CodeServerPlan(config, options).service()};
}

}  // namespace dev8::supervisor
