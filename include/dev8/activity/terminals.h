#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace dev8::activity {

// Writes `message` to every terminal `uid` owns under `pts_dir` (the
// developer's ssh sessions and code-server terminals), the way `wall` and
// `shutdown` do: each opened without becoming our controlling terminal and
// without blocking, checked to be a character device `uid` owns, and written
// once; a terminal that would block is passed over. Returns how many got it.
size_t tell_terminals(uid_t uid, std::string_view message, const std::string& pts_dir = "/dev/pts");

}  // namespace dev8::activity
