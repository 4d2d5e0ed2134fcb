#pragma once

#include <optional>
#include <string>

#include "dev8/config/config.h"
#include "dev8/supervisor/builtin_services.h"

// What sshd and code-server share as built-in services.
namespace dev8::supervisor::builtin {

bool is_directory(const std::string& path);
bool is_executable_file(const std::string& path);

// Who runs a built-in service: the developer, or root for sshd. A non-root
// dev8-init can only run them as itself.
std::optional<std::string> cannot_run_as(const fs::Account& account, uid_t uid);

// DEV8_SSHD and DEV8_CODE_SERVER: `off`, or `auto` without the binary, leave
// the service disabled (true); `on` without it runs it anyway, to fail loudly.
bool disabled_by_toggle(BuiltinService& out, config::Toggle toggle, const std::string& variable,
                        const std::string& binary, bool installed);

BuiltinService sshd_service(const config::Config& config, const BuiltinOptions& options);
BuiltinService code_server_service(const config::Config& config, const BuiltinOptions& options);

}  // namespace dev8::supervisor::builtin
