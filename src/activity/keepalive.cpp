#include "dev8/activity/keepalive.h"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "dev8/fs/unix_socket.h"

namespace dev8::activity {
namespace {

constexpr std::string_view kWord = "keepalive";
constexpr int64_t kMaxHoldMs = 366LL * 86'400'000;
constexpr size_t kMaxMessage = 64;
constexpr int kMessagesPerWakeup = 64;

}  // namespace

std::string keepalive_message(const KeepaliveRequest& request) {
    if (request.hold.count() <= 0) return std::string(kWord) + "\n";
    return fmt::format("{} {}\n", kWord, request.hold.count());
}

std::optional<KeepaliveRequest> parse_keepalive_message(std::string_view message) {
    if (message.size() > kMaxMessage || !message.starts_with(kWord)) return std::nullopt;
    message.remove_prefix(kWord.size());
    if (message.ends_with('\n')) message.remove_suffix(1);
    if (message.empty()) return KeepaliveRequest{};
    if (message.front() != ' ') return std::nullopt;
    message.remove_prefix(1);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(message.data(), message.data() + message.size(), ms);
    if (ec != std::errc{} || end != message.data() + message.size() || ms < 0 || ms > kMaxHoldMs)
        return std::nullopt;
    return KeepaliveRequest{std::chrono::milliseconds(ms)};
}

KeepaliveSocket::KeepaliveSocket(loop::EventLoop& loop,
                                 std::function<void(const KeepaliveRequest&)> heard)
    : loop_(loop), heard_(std::move(heard)) {}

KeepaliveSocket::~KeepaliveSocket() {
    if (!sock_) return;
    loop_.unwatch(sock_.get());
    ::unlink(path_.c_str());
}

std::expected<void, std::string> KeepaliveSocket::listen(const std::string& path, gid_t gid) {
    auto sock = fs::bind_unix_socket(path, SOCK_DGRAM, gid);
    if (!sock) return std::unexpected(sock.error());
    sock_ = std::move(*sock);
    path_ = path;
    loop_.watch(sock_.get(), EPOLLIN, [this](uint32_t) { read_messages(); });
    return {};
}

// A bounded number of datagrams per wake-up: a flood cannot hold the loop.
void KeepaliveSocket::read_messages() {
    std::array<char, kMaxMessage + 1> buffer{};
    for (int i = 0; i < kMessagesPerWakeup; ++i) {
        ssize_t n = ::recv(sock_.get(), buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return;
        if (auto request = parse_keepalive_message({buffer.data(), static_cast<size_t>(n)}))
            heard_(*request);
    }
}

std::expected<void, std::string> send_keepalive(const std::vector<std::string>& state_dirs,
                                                const KeepaliveRequest& request) {
    auto message = keepalive_message(request);
    std::string last_error = "no state directory";
    for (const auto& dir : state_dirs) {
        auto addr = fs::unix_address(dir + "/keepalive.sock");
        if (!addr) continue;
        fs::UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!sock) return std::unexpected(std::string("socket: ") + std::strerror(errno));
        ssize_t n = ::sendto(sock.get(), message.data(), message.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr);
        // A full queue means keepalives are already waiting to be heard.
        if (n >= 0 || errno == EAGAIN) return {};
        last_error = std::string(addr->sun_path) + ": " + std::strerror(errno);
    }
    return std::unexpected(last_error);
}

}  // namespace dev8::activity
