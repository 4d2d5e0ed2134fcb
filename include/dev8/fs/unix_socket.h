#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <expected>
#include <optional>
#include <string>

#include "dev8/fs/unique_fd.h"

namespace dev8::fs {

// The address of the Unix socket at `path`; nullopt when the path is too
// long for one (108 bytes).
std::optional<sockaddr_un> unix_address(const std::string& path);

// A non-blocking socket of `type` (SOCK_STREAM, SOCK_DGRAM) bound at `path`,
// a stale one there replaced, mode 0660 and group `gid` (when we are root),
// so the developer's group may connect and nobody else. The error names the
// path and the call that failed.
std::expected<UniqueFd, std::string> bind_unix_socket(const std::string& path, int type, gid_t gid);

}  // namespace dev8::fs
