#include "dev8/fs/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "dev8/fs/fd_io.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"
#include "dev8/fs/unique_fd.h"

namespace dev8::fs {
namespace {

std::string failure(const std::string& path, const char* what) {
    return path + ": " + what + ": " + std::strerror(errno);
}

bool already_holds(int dir_fd, const std::string& name, std::string_view content, mode_t mode,
                   const std::optional<FileOwner>& owner) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return false;
    if ((st.st_mode & 07777) != mode) return false;
    if (owner && (st.st_uid != owner->uid || st.st_gid != owner->gid)) return false;
    if (static_cast<size_t>(st.st_size) != content.size()) return false;
    auto current = read_file_at(dir_fd, name, content.size(), Links::Refuse, name);
    return current && *current && **current == content;
}

// A new file beside `name` that nobody else can have created or linked.
std::expected<std::pair<UniqueFd, std::string>, std::string> create_temp(int dir_fd,
                                                                         const std::string& name,
                                                                         const std::string& shown) {
    static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int attempt = 0; attempt < 100; ++attempt) {
        unsigned char random[6];
        if (::getrandom(random, sizeof random, 0) != sizeof random)
            return std::unexpected(failure(shown, "no random bytes for a temporary file"));
        std::string temp = name + ".dev8-";
        for (unsigned char r : random) temp += kLetters[r % kLetters.size()];
        UniqueFd fd(::openat(dir_fd, temp.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fd) return std::pair{std::move(fd), temp};
        if (errno != EEXIST)
            return std::unexpected(failure(shown, "cannot create a temporary file"));
    }
    return std::unexpected(shown + ": cannot create a temporary file: every name taken");
}

}  // namespace

std::expected<WriteOutcome, std::string> write_file_atomic(const std::string& path,
                                                           std::string_view content, mode_t mode,
                                                           std::optional<FileOwner> owner) {
    auto slash = path.rfind('/');
    auto dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
    if (dir.empty()) dir = "/";
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) return std::unexpected(failure(path, "cannot open its directory"));
    return write_file_atomic_at(dir_fd.get(), path.substr(slash + 1), content, mode, owner, path);
}

std::expected<WriteOutcome, std::string> write_file_atomic_at(int dir_fd, const std::string& name,
                                                              std::string_view content, mode_t mode,
                                                              std::optional<FileOwner> owner,
                                                              const std::string& shown) {
    if (already_holds(dir_fd, name, content, mode, owner)) return WriteOutcome::Unchanged;
    auto temp = create_temp(dir_fd, name, shown);
    if (!temp) return std::unexpected(temp.error());
    auto& [fd, temp_name] = *temp;
    auto fail = [&](const char* what) {
        auto message = failure(shown, what);
        ::unlinkat(dir_fd, temp_name.c_str(), 0);
        return std::unexpected(message);
    };
    // Mode and owner before any byte lands, so a secret is never readable by others.
    if (::fchmod(fd.get(), mode) != 0) return fail("cannot chmod");
    if (owner && ::fchown(fd.get(), owner->uid, owner->gid) != 0) return fail("cannot chown");
    if (!write_all(fd.get(), content)) return fail("cannot write");
    if (::fsync(fd.get()) != 0) return fail("cannot fsync");
    fd.reset();
    if (::renameat(dir_fd, temp_name.c_str(), dir_fd, name.c_str()) != 0)
        return fail("cannot rename into place");
    ::fsync(dir_fd);
    return WriteOutcome::Written;
}

std::expected<UniqueFd, std::string> open_directory(const std::string& path) {
    if (!path.starts_with('/')) return std::unexpected(path + ": not an absolute path");
    UniqueFd current(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!current) return std::unexpected(failure("/", "cannot open"));
    std::string walked;
    for (auto part : split(path, '/')) {
        if (part.empty() || part == ".") continue;
        walked += "/" + std::string(part);
        if (part == "..") return std::unexpected(walked + ": \"..\" refused");
        std::string name(part);
        UniqueFd next(
            ::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!next && (errno == ELOOP || errno == ENOTDIR)) {
            struct stat link {
            }, holder{};
            bool is_link =
                ::fstatat(current.get(), name.c_str(), &link, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(link.st_mode);
            if (!is_link) return std::unexpected(walked + ": not a directory");
            bool root_planted = ::fstat(current.get(), &holder) == 0 && holder.st_uid == 0 &&
                                (holder.st_mode & 022) == 0;
            if (!root_planted)
                return std::unexpected(walked +
                                       ": a symlink in a directory root does not own, refused");
            next.reset(::openat(current.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        }
        if (!next) return std::unexpected(failure(walked, "cannot open"));
        current = std::move(next);
    }
    return current;
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
