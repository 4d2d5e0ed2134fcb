#include "dev8/status/status_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dev8/log/logging.h"

namespace dev8::status {

StatusServer::StatusServer(loop::EventLoop& loop, SnapshotSource source,
                           std::function<void()> served)
    : loop_(loop), source_(std::move(source)), served_(std::move(served)) {}

StatusServer::~StatusServer() {
    for (auto& [fd, _] : pending_) loop_.unwatch(fd);
    if (listener_) {
        loop_.unwatch(listener_.get());
        ::unlink(path_.c_str());
    }
}

std::expected<void, std::string> StatusServer::listen(const std::string& path, gid_t gid) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return std::unexpected(path + ": path too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fs::UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) return std::unexpected(std::string("socket: ") + std::strerror(errno));
    ::unlink(path.c_str());
    auto fail = [&](const char* what) {
        return std::unexpected(path + ": " + what + ": " + std::strerror(errno));
    };
    if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return fail("bind");
    if (::geteuid() == 0 && ::chown(path.c_str(), 0, gid) < 0) return fail("chown");
    if (::chmod(path.c_str(), 0660) < 0) return fail("chmod");
    if (::listen(sock.get(), 16) < 0) return fail("listen");
    listener_ = std::move(sock);
    path_ = path;
    loop_.watch(listener_.get(), EPOLLIN, [this](uint32_t) { accept_clients(); });
    return {};
}

void StatusServer::accept_clients() {
    for (;;) {
        fs::UniqueFd client(
            ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client) return;
        int fd = client.get();
        pending_[fd] = {std::move(client), log::json_text(to_json(source_())) + "\n"};
        flush(fd);
    }
}

void StatusServer::flush(int fd) {
    auto it = pending_.find(fd);
    if (it == pending_.end()) return;
    auto& [sock, data] = it->second;
    while (!data.empty()) {
        ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (data.size() > 0) {
                loop_.unwatch(fd);
                loop_.watch(fd, EPOLLOUT, [this, fd](uint32_t) { flush(fd); });
            }
            return;
        }
        if (n <= 0) break;
        data.erase(0, static_cast<size_t>(n));
    }
    loop_.unwatch(fd);
    pending_.erase(it);
    if (served_) served_();
}

}  // namespace dev8::status
