#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace dev8::ssh {

// A public key that libssh accepted, as one authorized_keys line carries it.
struct PublicKey {
    std::string options;  // sshd options before the type (`from="…",no-pty`), verbatim
    std::string type;     // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", …
    std::string base64;   // the key blob as libssh re-encodes it
    std::string comment;

    // "[options ]type base64[ comment]"
    std::string line() const;
    // The same key, whatever its options and comment.
    bool same_key(const PublicKey& other) const {
        return type == other.type && base64 == other.base64;
    }
};

// Validates one authorized_keys line (options, type, key, comment) with
// libssh. The error is a short reason that never quotes the line: a secret
// pasted by mistake must not reach a log.
std::expected<PublicKey, std::string> parse_authorized_key(std::string_view line);

// An unencrypted private key that libssh accepted.
struct PrivateKey {
    std::string text;       // what its file holds: LF line endings, one final newline
    std::string file_name;  // where OpenSSH looks for this type: "id_ed25519", "id_rsa", …
    PublicKey public_key;   // derived from the private key, without a comment
};

// Parses an OpenSSH or PEM private key without a passphrase. A key pasted
// into an env file with literal "\n" for its line breaks is accepted too. The
// error never quotes the text.
std::expected<PrivateKey, std::string> parse_private_key(std::string_view text);

}  // namespace dev8::ssh
