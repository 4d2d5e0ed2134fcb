#pragma once

#include <expected>
#include <string>

namespace dev8::fs {

// Where an edit of a file in the developer's home goes. A symlink there is
// the user's (a dotfiles manager links files into a repository), so it is
// never replaced: the edit goes to the regular file it points to. A link that
// points nowhere, loops, or points at anything but a regular file is an error
// naming it, and nothing is created or replaced. Any other path is its own
// target. Call it with the identity that will write, so the link is followed
// with that user's permissions.
std::expected<std::string, std::string> edit_target(const std::string& path);

}  // namespace dev8::fs
