#include "dev8/ssh/keys.h"

#include <libssh/libssh.h>

#include <algorithm>

#include "dev8/fs/text.h"
#include "libssh_handles.h"

namespace dev8::ssh {
namespace {

// The key types sshd accepts by default, and the file name OpenSSH's client
// looks for each under ~/.ssh. DSA, RSA1 and certificates are left out.
struct KeyKind {
    ssh_keytypes_e type;
    const char* file_name;
};
constexpr KeyKind kKinds[] = {
    {SSH_KEYTYPE_ED25519, "id_ed25519"},   {SSH_KEYTYPE_ECDSA_P256, "id_ecdsa"},
    {SSH_KEYTYPE_ECDSA_P384, "id_ecdsa"},  {SSH_KEYTYPE_ECDSA_P521, "id_ecdsa"},
    {SSH_KEYTYPE_RSA, "id_rsa"},           {SSH_KEYTYPE_SK_ED25519, "id_ed25519_sk"},
    {SSH_KEYTYPE_SK_ECDSA, "id_ecdsa_sk"},
};

const KeyKind* find_kind(ssh_keytypes_e type) {
    auto it = std::ranges::find(kKinds, type, &KeyKind::type);
    return it == std::end(kKinds) ? nullptr : &*it;
}

constexpr std::string_view kBlanks = " \t\r\n";

std::string_view take_field(std::string_view& rest) {
    rest = fs::trim(rest);
    auto end = std::min(rest.find_first_of(kBlanks), rest.size());
    auto field = rest.substr(0, end);
    rest.remove_prefix(end);
    return field;
}

// sshd's rule: options end at the first blank outside double quotes, where
// a backslash escapes a quote.
std::expected<std::string_view, std::string> take_options(std::string_view& rest) {
    bool quoted = false;
    size_t i = 0;
    for (; i < rest.size(); ++i) {
        char c = rest[i];
        if (c == '\\' && quoted && i + 1 < rest.size() && rest[i + 1] == '"') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            break;
        }
    }
    if (quoted) return std::unexpected("unterminated quote in the options");
    auto options = rest.substr(0, i);
    rest.remove_prefix(i);
    return options;
}

ssh_keytypes_e type_from_name(std::string_view name) {
    return ssh_key_type_from_name(std::string(name).c_str());
}

std::expected<std::string, std::string> export_public_base64(ssh_key key) {
    char* raw = nullptr;
    if (ssh_pki_export_pubkey_base64(key, &raw) != SSH_OK) {
        return std::unexpected("libssh cannot encode the public key");
    }
    return std::string(UniqueSshChars(raw).get());
}

std::string normalise_private_text(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 1);
    for (char c : text) {
        if (c != '\r') out += c;
    }
    if (out.find('\n') == std::string::npos) {
        for (size_t at = out.find("\\n"); at != std::string::npos; at = out.find("\\n", at + 1)) {
            out.replace(at, 2, "\n");
        }
    }
    out = std::string(fs::trim(out));
    out += '\n';
    return out;
}

// Called by libssh only for an encrypted key: refusing tells us why the import failed.
int refuse_passphrase(const char*, char*, size_t, int, int, void* asked) {
    *static_cast<bool*>(asked) = true;
    return SSH_ERROR;
}

}  // namespace

std::string PublicKey::line() const {
    std::string out;
    if (!options.empty()) out += options + " ";
    out += type + " " + base64;
    if (!comment.empty()) out += " " + comment;
    return out;
}

std::expected<PublicKey, std::string> parse_authorized_key(std::string_view line) {
    ensure_libssh();
    std::string_view rest = fs::trim(line);
    if (rest.empty()) return std::unexpected("no key on the line");
    PublicKey key;
    auto probe = rest;
    if (type_from_name(take_field(probe)) == SSH_KEYTYPE_UNKNOWN) {
        auto options = take_options(rest);
        if (!options) return std::unexpected(options.error());
        key.options = *options;
    }
    auto type_name = take_field(rest);
    auto type = type_from_name(type_name);
    if (type == SSH_KEYTYPE_UNKNOWN) return std::unexpected("not a key type sshd knows");
    if (!find_kind(type)) return std::unexpected("unsupported key type " + std::string(type_name));
    auto base64 = take_field(rest);
    if (base64.empty()) return std::unexpected("no key data after the type");

    ssh_key raw = nullptr;
    int rc = ssh_pki_import_pubkey_base64(std::string(base64).c_str(), type, &raw);
    UniqueKey imported(raw);
    if (rc != SSH_OK || ssh_key_type(imported.get()) != type) {
        return std::unexpected("invalid " + std::string(type_name) + " key data");
    }
    auto canonical = export_public_base64(imported.get());
    if (!canonical) return std::unexpected(canonical.error());
    key.type = type_name;
    key.base64 = std::move(*canonical);
    key.comment = fs::trim(rest);
    return key;
}

std::expected<PrivateKey, std::string> parse_private_key(std::string_view text) {
    ensure_libssh();
    PrivateKey key;
    key.text = normalise_private_text(text);
    bool asked_passphrase = false;
    ssh_key raw = nullptr;
    int rc = ssh_pki_import_privkey_base64(key.text.c_str(), nullptr, refuse_passphrase,
                                           &asked_passphrase, &raw);
    UniqueKey imported(raw);
    if (rc != SSH_OK) {
        if (asked_passphrase) return std::unexpected("the key is protected by a passphrase");
        if (parse_authorized_key(key.text)) {
            return std::unexpected("a public key, not a private one");
        }
        return std::unexpected("not a private key in OpenSSH or PEM format");
    }
    auto type = ssh_key_type(imported.get());
    const KeyKind* kind = find_kind(type);
    const char* type_name = ssh_key_type_to_char(type);
    if (!kind || !type_name) {
        return std::unexpected("unsupported key type " + std::string(type_name ? type_name : "?"));
    }
    key.file_name = kind->file_name;

    ssh_key raw_public = nullptr;
    rc = ssh_pki_export_privkey_to_pubkey(imported.get(), &raw_public);
    UniqueKey public_key(raw_public);
    if (rc != SSH_OK) return std::unexpected("libssh cannot derive the public key");
    auto base64 = export_public_base64(public_key.get());
    if (!base64) return std::unexpected(base64.error());
    key.public_key.type = type_name;
    key.public_key.base64 = std::move(*base64);
    return key;
}

}  // namespace dev8::ssh
