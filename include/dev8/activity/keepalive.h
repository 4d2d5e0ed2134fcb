#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/fs/unique_fd.h"
#include "dev8/loop/event_loop.h"

namespace dev8::activity {

// `dev8-init keepalive [--for DURATION]`: activity now, and for `hold` more.
struct KeepaliveRequest {
    std::chrono::milliseconds hold{0};
};

// One datagram: "keepalive\n", or "keepalive HOLD_MS\n".
std::string keepalive_message(const KeepaliveRequest& request);
std::optional<KeepaliveRequest> parse_keepalive_message(std::string_view message);

// The datagram socket in the state directory that hears keepalives, bound
// only while the idle stop is on; 0660 and the developer's group, like the
// status socket, so the developer may send them.
class KeepaliveSocket {
  public:
    KeepaliveSocket(loop::EventLoop& loop, std::function<void(const KeepaliveRequest&)> heard);
    ~KeepaliveSocket();
    KeepaliveSocket(const KeepaliveSocket&) = delete;
    KeepaliveSocket& operator=(const KeepaliveSocket&) = delete;

    std::expected<void, std::string> listen(const std::string& path, gid_t gid);

  private:
    void read_messages();

    loop::EventLoop& loop_;
    std::function<void(const KeepaliveRequest&)> heard_;
    fs::UniqueFd sock_;
    std::string path_;
};

// Sends `request` to the first state directory whose keepalive socket takes
// it; the error names the last socket tried and why it refused.
std::expected<void, std::string> send_keepalive(const std::vector<std::string>& state_dirs,
                                                const KeepaliveRequest& request);

}  // namespace dev8::activity
