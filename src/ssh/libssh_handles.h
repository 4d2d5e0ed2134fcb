#pragma once

// Private to the ssh module: the libssh objects its files share, each owned
// by a unique_ptr so every exit path frees it.

#include <libssh/libssh.h>

#include <expected>
#include <memory>
#include <string>

namespace dev8::ssh {

struct KeyFree {
    void operator()(ssh_key key) const { ssh_key_free(key); }
};
using UniqueKey = std::unique_ptr<ssh_key_struct, KeyFree>;

struct SshCharFree {
    void operator()(char* text) const { ssh_string_free_char(text); }
};
using UniqueSshChars = std::unique_ptr<char, SshCharFree>;

struct PubkeyHashFree {
    void operator()(unsigned char* hash) const { ssh_clean_pubkey_hash(&hash); }
};
using UniquePubkeyHash = std::unique_ptr<unsigned char, PubkeyHashFree>;

// Disconnecting first sends SSH_MSG_DISCONNECT, so the server logs a clean
// goodbye rather than a reset; on a session that never connected it does nothing.
struct SessionFree {
    void operator()(ssh_session session) const {
        ssh_disconnect(session);
        ssh_free(session);
    }
};
using UniqueSession = std::unique_ptr<ssh_session_struct, SessionFree>;

// The shared library initialises itself when loaded; the static one needs
// this. libssh's own log goes straight to stderr, past the redactor, so it is
// pinned off here, once: the level is process-wide, and the per-session
// verbosity option would write it from whichever thread set it.
inline void ensure_libssh() {
    static const int initialised = [] {
        int rc = ssh_init();
        ssh_set_log_level(SSH_LOG_NOLOG);
        return rc;
    }();
    (void)initialised;
}

// "SHA256:<base64 without padding>", the form `ssh-keygen -l` prints.
std::expected<std::string, std::string> fingerprint_of_key(ssh_key key);

}  // namespace dev8::ssh
