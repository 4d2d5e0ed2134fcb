#include "dev8/fs/unix_socket.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dev8::fs {

std::optional<sockaddr_un> unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return std::nullopt;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

std::expected<UniqueFd, std::string> bind_unix_socket(const std::string& path, int type,
                                                      gid_t gid) {
    auto addr = unix_address(path);
    if (!addr) return std::unexpected(path + ": path too long");
    UniqueFd sock(::socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) return std::unexpected(std::string("socket: ") + std::strerror(errno));
    ::unlink(path.c_str());
    auto fail = [&](const char* what) {
        return std::unexpected(path + ": " + what + ": " + std::strerror(errno));
    };
    if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) < 0)
        return fail("bind");
    if (::geteuid() == 0 && ::chown(path.c_str(), 0, gid) < 0) return fail("chown");
    if (::chmod(path.c_str(), 0660) < 0) return fail("chmod");
    return sock;
}

}  // namespace dev8::fs
