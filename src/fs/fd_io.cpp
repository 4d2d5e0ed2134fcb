#include "dev8/fs/fd_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace dev8::fs {

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

ReadState read_chunk(int fd, std::string& into, size_t limit) {
    char buf[16384];
    ssize_t n;
    do {
        n = ::read(fd, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return ReadState::Empty;
    if (n <= 0) return ReadState::Closed;
    if (into.size() < limit)
        into.append(buf, std::min(static_cast<size_t>(n), limit - into.size()));
    return ReadState::Data;
}

}  // namespace dev8::fs
