#include "dev8/fs/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dev8/fs/unique_fd.h"

namespace dev8::fs {
namespace {

std::string file_type(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    return "not a regular file";
}

}  // namespace

std::string size_text(size_t bytes) {
    if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

std::expected<std::optional<std::string>, std::string> read_file(const std::string& path,
                                                                 size_t max_bytes, Links links) {
    return read_file_at(AT_FDCWD, path, max_bytes, links, path);
}

std::expected<std::optional<std::string>, std::string> read_file_at(int dir_fd,
                                                                    const std::string& name,
                                                                    size_t max_bytes, Links links,
                                                                    const std::string& path) {
    int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | (links == Links::Refuse ? O_NOFOLLOW : 0);
    UniqueFd fd(::openat(dir_fd, name.c_str(), flags));
    if (!fd) {
        if (errno == ENOENT) return std::optional<std::string>();
        if (errno == ELOOP && links == Links::Refuse)
            return std::unexpected(path + ": a symlink, not read");
        return std::unexpected(path + ": cannot open: " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return std::unexpected(path + ": cannot stat: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        return std::unexpected(path + ": " + file_type(st.st_mode) + ", not read");
    auto too_large = [&] {
        return std::unexpected(path + ": larger than " + size_text(max_bytes) + ", not read");
    };
    if (static_cast<size_t>(st.st_size) > max_bytes) return too_large();
    std::string data;
    data.resize(std::min(static_cast<size_t>(st.st_size), max_bytes) + 1);
    size_t filled = 0;
    for (;;) {
        if (filled == data.size()) {
            if (data.size() > max_bytes) return too_large();
            data.resize(std::min(data.size() * 2, max_bytes + 1));
        }
        ssize_t n = ::read(fd.get(), data.data() + filled, data.size() - filled);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(path + ": cannot read: " + std::strerror(errno));
        if (n == 0) break;
        filled += static_cast<size_t>(n);
    }
    data.resize(filled);
    return std::optional<std::string>(std::move(data));
}

}  // namespace dev8::fs
