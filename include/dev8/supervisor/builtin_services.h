#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dev8/config/config.h"
#include "dev8/fs/atomic_file.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::supervisor {

// sshd or code-server: the spec to supervise, or why it does not run.
struct BuiltinService {
    std::string name;
    std::optional<ServiceSpec> spec;
    std::string disabled_reason;
    std::string detail;  // for `plan`: where its host key or password comes from
    // Said once at start-up: why an `auto` service is off (info), a setting
    // that has no effect (warning), what is wrong with an `on` one (error).
    std::optional<std::string> info;
    std::optional<std::string> warning;
    std::optional<std::string> error;
};

struct BuiltinOptions {
    uid_t uid = 0;     // the user dev8-init runs as
    std::string path;  // the PATH code-server is looked up on
    // Receives sshd's host key fingerprints each time they are checked.
    std::function<void(std::vector<std::string>)> on_host_keys;
};

// sshd then code-server, as DESIGN.md §5 describes them.
std::vector<BuiltinService> builtin_services(const config::Config& config,
                                             const BuiltinOptions& options);

// The generated code-server password in `path`: read (trailing whitespace
// trimmed) when the file has one, else 24 random [A-Za-z0-9] characters from
// OpenSSL written there with mode 0600. `created` tells which. A file others
// can read is made 0600 first.
struct GeneratedPassword {
    std::string value;
    bool created = false;
};
std::expected<GeneratedPassword, std::string> load_or_create_password(
    const std::string& path, std::optional<fs::FileOwner> owner = {});

}  // namespace dev8::supervisor
