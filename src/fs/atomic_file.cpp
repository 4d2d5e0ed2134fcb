#include "dev8/fs/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dev8/fs/fd_io.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/unique_fd.h"

namespace dev8::fs {
namespace {

std::string failure(const std::string& path, const char* what) {
    return path + ": " + what + ": " + std::strerror(errno);
}

bool already_holds(const std::string& path, std::string_view content, mode_t mode,
                   const std::optional<FileOwner>& owner) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if ((st.st_mode & 07777) != mode) return false;
    if (owner && (st.st_uid != owner->uid || st.st_gid != owner->gid)) return false;
    if (static_cast<size_t>(st.st_size) != content.size()) return false;
    auto current = read_file(path, content.size());
    return current && *current && **current == content;
}

}  // namespace

std::expected<WriteOutcome, std::string> write_file_atomic(const std::string& path,
                                                           std::string_view content, mode_t mode,
                                                           std::optional<FileOwner> owner) {
    if (already_holds(path, content, mode, owner)) return WriteOutcome::Unchanged;
    auto dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = std::filesystem::current_path();
    std::string temp = path;
    temp.append(".dev8-XXXXXX");
    UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd) return std::unexpected(failure(temp, "cannot create"));
    auto fail = [&](const char* what) {
        auto message = failure(path, what);
        ::unlink(temp.c_str());
        return std::unexpected(message);
    };
    // Mode and owner before any byte lands, so a secret is never readable by others.
    if (::fchmod(fd.get(), mode) != 0) return fail("cannot chmod");
    if (owner && ::fchown(fd.get(), owner->uid, owner->gid) != 0) return fail("cannot chown");
    if (!write_all(fd.get(), content)) return fail("cannot write");
    if (::fsync(fd.get()) != 0) return fail("cannot fsync");
    fd.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot rename into place");
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd) ::fsync(dir_fd.get());
    return WriteOutcome::Written;
}

std::expected<void, std::string> ensure_directory(const std::string& path, mode_t mode,
                                                  std::optional<FileOwner> owner) {
    std::filesystem::path full(path);
    std::filesystem::path current;
    for (const auto& part : full) {
        current /= part;
        if (::mkdir(current.c_str(), mode) == 0) {
            if (owner && ::chown(current.c_str(), owner->uid, owner->gid) != 0) {
                return std::unexpected(failure(current.string(), "cannot chown"));
            }
        } else if (errno != EEXIST) {
            return std::unexpected(failure(current.string(), "cannot create"));
        }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return std::unexpected(path + ": not a directory");
    }
    if ((st.st_mode & 07777) != mode && ::chmod(path.c_str(), mode) != 0) {
        return std::unexpected(failure(path, "cannot chmod"));
    }
    return {};
}

}  // namespace dev8::fs
