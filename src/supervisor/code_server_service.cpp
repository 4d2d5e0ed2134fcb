#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>

#include "builtin.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"
#include "dev8/log/redactor.h"
#include "dev8/process/identity.h"
#include "dev8/process/spawn.h"
#include "dev8/supervisor/services_dir.h"

namespace dev8::supervisor {
namespace builtin {
namespace {

constexpr std::string_view kPasswordFile = "/.config/dev8/code-server-password";
constexpr size_t kPasswordLength = 24;

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
        spec.builtin = true;
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
        // It reads its settings when it starts; its terminals source the env file.
        spec.after_steps = {"vscode-settings", "ai-tools"};
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
        auto generated =
            process::as_user(config_.developer, [&] { return load_or_create_password(path); });
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

BuiltinService code_server_service(const config::Config& config, const BuiltinOptions& options) {
    return CodeServerPlan(config, options).service();
}

}  // namespace builtin

std::expected<GeneratedPassword, std::string> load_or_create_password(
    const std::string& path, std::optional<fs::FileOwner> owner) {
    auto current = fs::read_file(path, fs::kMaxKeyFile);
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
    if (!builtin::is_directory(dir)) {
        if (auto made = fs::ensure_directory(dir, 0700, owner); !made)
            return std::unexpected(made.error());
    }
    auto password = builtin::random_password();
    if (password.empty()) return std::unexpected(path + ": the OpenSSL RNG failed");
    auto written = fs::write_file_atomic(path, password + "\n", 0600, owner);
    if (!written) return std::unexpected(written.error());
    return GeneratedPassword{password, true};
}

}  // namespace dev8::supervisor
