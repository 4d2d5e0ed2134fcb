#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/fs/atomic_file.h"

namespace dev8::ssh {

struct HostKey {
    std::string private_path;        // <dir>/ssh_host_ed25519_key
    std::string public_path;         // <dir>/ssh_host_ed25519_key.pub
    std::string fingerprint;         // "SHA256:<base64 without padding>", as `ssh-keygen -l` prints
    bool generated = false;          // true when this call created a new key
    std::vector<std::string> notes;  // one-line facts worth a log line, never key material
};

// The persistent ed25519 host key in `dir`, generated once with libssh and
// then reused, so clients never see the host change across restarts. `dir` is
// created (0700, `owner`) when missing, but not its parent. It is refused when
// it is a symlink, not a directory, or not owned by owner.uid: it may sit in a
// home the developer can write while we run as root. An unreadable or invalid
// key is kept aside as <name>.invalid[.N] and replaced. A second call with
// everything in place changes no file, mtime included.
std::expected<HostKey, std::string> ensure_host_key(const std::string& dir, fs::FileOwner owner);

// "SHA256:…" of a public key line ("ssh-ed25519 AAAA… comment"); the error
// is a short reason that never quotes the line.
std::expected<std::string, std::string> fingerprint_of(std::string_view public_key_line);

}  // namespace dev8::ssh
