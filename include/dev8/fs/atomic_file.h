#pragma once

#include <sys/types.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

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

// mkdir -p with `mode` and `owner` for the directories it creates, and `mode`
// enforced on the last one.
std::expected<void, std::string> ensure_directory(const std::string& path, mode_t mode,
                                                  std::optional<FileOwner> owner = {});

}  // namespace dev8::fs
