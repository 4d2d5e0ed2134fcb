#include "dev8/ssh/host_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "dev8/fs/unique_fd.h"
#include "dev8/ssh/keys.h"
#include "libssh_handles.h"

namespace dev8::ssh {
namespace {

constexpr const char* kKeyName = "ssh_host_ed25519_key";
// An ed25519 key file is about 400 bytes; anything far larger is not one.
constexpr off_t kMaxKeyFileSize = 64 * 1024;

std::string failure(const std::string& path, const char* what) {
    return path + ": " + what + ": " + std::strerror(errno);
}

// Reached from / without following a link anyone but root could have
// planted, then held open: every check and write below is about the directory
// itself, never about whatever a link in a developer-writable home points to.
std::expected<fs::UniqueFd, std::string> open_key_dir(const std::string& dir, fs::FileOwner owner) {
    auto path = std::filesystem::path(dir);
    auto parent = fs::open_directory(path.parent_path().string());
    if (!parent) {
        // Its parent is not created here: say which directory could not be.
        if (errno == ENOENT) return std::unexpected(failure(dir, "cannot create"));
        return std::unexpected(parent.error());
    }
    auto name = path.filename().string();
    bool created = ::mkdirat(parent->get(), name.c_str(), 0700) == 0;
    if (!created && errno != EEXIST) return std::unexpected(failure(dir, "cannot create"));
    fs::UniqueFd fd(
        ::openat(parent->get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int error = errno;
        // With O_DIRECTORY a symlink fails as ENOTDIR, like a file does.
        struct stat link {};
        if (error == ELOOP ||
            (error == ENOTDIR &&
             ::fstatat(parent->get(), name.c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 &&
             S_ISLNK(link.st_mode))) {
            return std::unexpected(dir + ": is a symlink, refused");
        }
        if (error == ENOTDIR) return std::unexpected(dir + ": not a directory");
        errno = error;
        return std::unexpected(failure(dir, "cannot open"));
    }
    if (created && ::fchown(fd.get(), owner.uid, owner.gid) != 0) {
        return std::unexpected(failure(dir, "cannot chown"));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return std::unexpected(failure(dir, "cannot stat"));
    if (st.st_uid != owner.uid) {
        return std::unexpected(dir + ": owned by uid " + std::to_string(st.st_uid) + ", not " +
                               std::to_string(owner.uid) + ", refused");
    }
    // Others able to write here could slip in a key they know.
    if ((st.st_mode & 07777) != 0700 && ::fchmod(fd.get(), 0700) != 0) {
        return std::unexpected(failure(dir, "cannot chmod"));
    }
    return fd;
}

std::optional<std::string> read_bounded(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::nullopt;
        if (n == 0) return data;
        data.append(buf, static_cast<size_t>(n));
        if (data.size() > static_cast<size_t>(kMaxKeyFileSize)) return std::nullopt;
    }
}

// What sits at the key's name: nothing, a key to keep, or something to move
// aside and why.
struct ExistingKey {
    bool present = false;
    std::optional<PrivateKey> key{};
    std::string bytes{};
    std::string problem{};
};

ExistingKey read_existing_key(int dir_fd) {
    // O_NONBLOCK: a FIFO planted under the key's name must not hang the start.
    fs::UniqueFd fd(::openat(dir_fd, kKeyName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return {};
        if (errno == ELOOP) return {.present = true, .problem = "a symlink"};
        return {.present = true, .problem = std::string("unreadable: ") + std::strerror(errno)};
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return {.present = true, .problem = "not a regular file"};
    }
    if (st.st_size > kMaxKeyFileSize) return {.present = true, .problem = "too large"};
    auto bytes = read_bounded(fd.get());
    if (!bytes) return {.present = true, .problem = "unreadable"};
    auto key = parse_private_key(*bytes);
    if (!key) return {.present = true, .problem = key.error()};
    if (key->public_key.type != "ssh-ed25519") {
        return {.present = true, .problem = "a " + key->public_key.type + " key, not ed25519"};
    }
    return {.present = true, .key = std::move(*key), .bytes = std::move(*bytes)};
}

// The old file is kept rather than deleted: it may be a key someone still
// wants, put there by hand.
std::expected<std::string, std::string> move_aside(int dir_fd, const std::string& dir) {
    for (int n = 0; n < 100; ++n) {
        std::string name = std::string(kKeyName) + ".invalid";
        if (n > 0) name += "." + std::to_string(n);
        struct stat st {};
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
        if (errno != ENOENT) return std::unexpected(failure(dir + "/" + name, "cannot stat"));
        if (::renameat(dir_fd, kKeyName, dir_fd, name.c_str()) != 0) {
            return std::unexpected(failure(dir + "/" + kKeyName, "cannot rename"));
        }
        return (std::filesystem::path(dir) / name).string();
    }
    return std::unexpected(dir + ": too many " + kKeyName + ".invalid files");
}

// Read back through the same parser as an existing key, so a new key and a
// kept one are described the same way.
std::expected<PrivateKey, std::string> generate_key() {
    ssh_key raw = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK) {
        return std::unexpected("libssh cannot generate an ed25519 key");
    }
    UniqueKey key(raw);
    char* text = nullptr;
    if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &text) != SSH_OK) {
        return std::unexpected("libssh cannot export the new host key");
    }
    UniqueSshChars exported(text);
    auto parsed = parse_private_key(exported.get());
    if (!parsed) return std::unexpected("the new host key does not read back: " + parsed.error());
    return parsed;
}

}  // namespace

std::expected<std::string, std::string> fingerprint_of_key(ssh_key key) {
    unsigned char* raw = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &raw, &length) != SSH_OK) {
        return std::unexpected("libssh cannot hash the key");
    }
    UniquePubkeyHash hash(raw);
    UniqueSshChars text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), length));
    if (!text) return std::unexpected("libssh cannot format the fingerprint");
    return std::string(text.get());
}

std::expected<std::string, std::string> fingerprint_of(std::string_view public_key_line) {
    auto parsed = parse_authorized_key(public_key_line);
    if (!parsed) return std::unexpected(parsed.error());
    ssh_key raw = nullptr;
    int rc = ssh_pki_import_pubkey_base64(parsed->base64.c_str(),
                                          ssh_key_type_from_name(parsed->type.c_str()), &raw);
    UniqueKey key(raw);
    if (rc != SSH_OK) return std::unexpected("invalid " + parsed->type + " key data");
    return fingerprint_of_key(key.get());
}

std::expected<HostKey, std::string> ensure_host_key(const std::string& dir, fs::FileOwner owner) {
    ensure_libssh();
    // The paths go into sshd_config, where a relative one would depend on the
    // directory sshd happens to start in.
    if (!dir.starts_with('/')) return std::unexpected(dir + ": not an absolute path");
    auto dir_fd = open_key_dir(dir, owner);
    if (!dir_fd) return std::unexpected(dir_fd.error());
    HostKey result;
    result.private_path = (std::filesystem::path(dir) / kKeyName).string();
    result.public_path = result.private_path + ".pub";

    auto existing = read_existing_key(dir_fd->get());
    if (existing.present && !existing.key) {
        auto kept = move_aside(dir_fd->get(), dir);
        if (!kept) return std::unexpected(kept.error());
        result.notes.push_back(result.private_path + " not usable (" + existing.problem +
                               "): kept as " + *kept + ", a new key generated");
    }
    std::optional<PrivateKey> key = std::move(existing.key);
    if (!key) {
        auto fresh = generate_key();
        if (!fresh) return std::unexpected(fresh.error());
        key = std::move(*fresh);
        result.generated = true;
    }

    // Rewritten even when kept: write_file_atomic touches nothing when bytes,
    // mode and owner already match, and otherwise enforces 0600 and the owner
    // sshd needs. A key libssh reads only after normalising (CRLF, literal
    // "\n") gets the text sshd can read.
    auto written = fs::write_file_atomic_at(dir_fd->get(), kKeyName, key->text, 0600, owner,
                                            result.private_path);
    if (!written) return std::unexpected(written.error());
    if (*written == fs::WriteOutcome::Written && !result.generated) {
        result.notes.push_back(result.private_path +
                               (existing.bytes == key->text
                                    ? ": mode 0600 and owner restored"
                                    : ": rewritten with its line breaks normalised"));
    }
    auto public_line = key->public_key.line();
    auto public_written =
        fs::write_file_atomic_at(dir_fd->get(), std::string(kKeyName) + ".pub", public_line + "\n",
                                 0644, owner, result.public_path);
    if (!public_written) return std::unexpected(public_written.error());
    if (*public_written == fs::WriteOutcome::Written && !result.generated) {
        result.notes.push_back(result.public_path + ": rewritten from the private key");
    }
    auto fingerprint = fingerprint_of(public_line);
    if (!fingerprint) return std::unexpected(result.public_path + ": " + fingerprint.error());
    result.fingerprint = std::move(*fingerprint);
    return result;
}

}  // namespace dev8::ssh
