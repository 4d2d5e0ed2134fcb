#include "dev8/fs/links.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace dev8::fs {

std::expected<std::string, std::string> edit_target(const std::string& path) {
    struct stat link {};
    if (::lstat(path.c_str(), &link) != 0 || !S_ISLNK(link.st_mode)) return path;
    std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(path.c_str(), nullptr),
                                                         &std::free);
    if (!resolved) {
        return std::unexpected(path + ": a symlink that leads nowhere (" + std::strerror(errno) +
                               "); left as it is");
    }
    struct stat target {};
    if (::stat(resolved.get(), &target) != 0 || !S_ISREG(target.st_mode)) {
        return std::unexpected(path + ": a symlink to " + resolved.get() +
                               ", which is not a regular file; left as it is");
    }
    return std::string(resolved.get());
}

}  // namespace dev8::fs
