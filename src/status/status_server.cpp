#include "dev8/status/status_server.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dev8/fs/unix_socket.h"
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
    auto sock = fs::bind_unix_socket(path, SOCK_STREAM, gid);
    if (!sock) return std::unexpected(sock.error());
    if (::listen(sock->get(), 16) < 0)
        return std::unexpected(path + ": listen: " + std::strerror(errno));
    listener_ = std::move(*sock);
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
