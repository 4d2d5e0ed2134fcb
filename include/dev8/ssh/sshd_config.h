#pragma once

#include <cstdint>
#include <string>

namespace dev8::ssh {

struct SshdSettings {
    uint16_t port = 2222;
    std::string host_key_path;  // absolute
    std::string pid_file;       // absolute, in the state dir
    std::string allow_user;     // the developer's account name
    bool as_root = true;        // sshd runs as root (privilege separation, PAM) or as the developer
};

// The whole sshd_config for OpenSSH 9.2: key-only logins for the developer
// alone, no root login, forwarding on (VS Code Remote-SSH needs it). The
// inputs are validated upstream; nothing here is refused.
std::string render_sshd_config(const SshdSettings& settings);

}  // namespace dev8::ssh
