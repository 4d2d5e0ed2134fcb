#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>

namespace dev8::fs {

// How large a file of each kind may be: far above any real one, low enough
// that a link to /dev/zero or a huge file cannot fill PID 1's memory.
inline constexpr size_t kMaxTextFile = 1 << 20;    // settings.json, rc files, hosts.yml, services.d
inline constexpr size_t kMaxSecretFile = 1 << 20;  // a NAME_FILE secret
inline constexpr size_t kMaxKeyFile = 64 << 10;    // SSH keys, the credential file, a password

// Whether the last component of a path may be a symlink.
enum class Links {
    Refuse,  // files in the developer's home: a link there is refused, not followed
    Follow,  // NAME_FILE secrets: Kubernetes mounts them as links into ..data/
};

// The one way dev8-init reads a file someone else may control, so that it
// can neither block nor flood PID 1: opened O_NONBLOCK (a FIFO does not hang
// the open), O_NOFOLLOW unless `links` says otherwise, checked on the open
// descriptor to be a regular file, and read up to `max_bytes`. nullopt when
// the file does not exist. The error is one line naming the file: "not a
// regular file", "a symlink", "larger than 1 MiB", or why it cannot be read.
std::expected<std::optional<std::string>, std::string> read_file(const std::string& path,
                                                                 size_t max_bytes,
                                                                 Links links = Links::Refuse);

// The same for `name` in the open directory `dir_fd`; `shown` names the file
// in errors.
std::expected<std::optional<std::string>, std::string> read_file_at(int dir_fd,
                                                                    const std::string& name,
                                                                    size_t max_bytes, Links links,
                                                                    const std::string& shown);

// "64 KiB", "1 MiB": a size for a message.
std::string size_text(size_t bytes);

}  // namespace dev8::fs
