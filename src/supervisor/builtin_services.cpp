#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "builtin.h"

namespace dev8::supervisor {
namespace builtin {

bool is_directory(const std::string& path) {
    std::error_code error;
    return std::filesystem::is_directory(path, error);
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::string> cannot_run_as(const fs::Account& account, uid_t uid) {
    if (uid == 0 || uid == account.uid) return std::nullopt;
    return fmt::format("dev8-init runs as uid {}, neither root nor {}", uid, account.name);
}

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

}  // namespace builtin

std::vector<BuiltinService> builtin_services(const config::Config& config,
                                             const BuiltinOptions& options) {
    return {builtin::sshd_service(config, options), builtin::code_server_service(config, options)};
}

}  // namespace dev8::supervisor
