#pragma once

#include <sys/types.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "dev8/fs/unique_fd.h"

namespace dev8::fs {

struct FileOwner {
    uid_t uid;
    gid_t gid;
};

enum class WriteOutcome { Written, Unchanged };

// Replaces `path` with `content` atomically: a temp file in the same
// directory, mode and owner set, fsync, rename, fsync of the directory. When
// the file already holds exactly these bytes with this mode and owner, nothing
// is touched (its mtime included), so a restart with the same input changes
// nothing. The error is one line naming the file.
std::expected<WriteOutcome, std::string> write_file_atomic(const std::string& path,
                                                           std::string_view content, mode_t mode,
                                                           std::optional<FileOwner> owner = {});

// The same for `name` (one path component) in the open directory `dir_fd`:
// nothing on the way can be swapped for a symlink, and a link at `name` is
// replaced, never followed. `shown` names the file in errors.
std::expected<WriteOutcome, std::string> write_file_atomic_at(int dir_fd, const std::string& name,
                                                              std::string_view content, mode_t mode,
                                                              std::optional<FileOwner> owner,
                                                              const std::string& shown);

// Opens the directory `path` (absolute) without following a symlink that
// anyone but root could have planted: each component is opened O_NOFOLLOW
// from the one before. A link is followed only where it sits in a directory
// root owns and no one else may write (/home -> /var/home), never in a user's
// (~/.local/state/dev8 -> /etc). The error names the component.
std::expected<UniqueFd, std::string> open_directory(const std::string& path);

// mkdir -p with `mode` and `owner` for the directories it creates, and `mode`
// enforced on the last one.
std::expected<void, std::string> ensure_directory(const std::string& path, mode_t mode,
                                                  std::optional<FileOwner> owner = {});

}  // namespace dev8::fs
