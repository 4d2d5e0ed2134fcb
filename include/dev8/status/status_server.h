#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

#include "dev8/fs/unique_fd.h"
#include "dev8/loop/event_loop.h"
#include "dev8/status/status.h"

namespace dev8::status {

// Serves the status document on a Unix socket: connect, read to EOF. Runs on
// the event loop; a slow reader never blocks it.
class StatusServer {
  public:
    using SnapshotSource = std::function<Snapshot()>;

    // `served` runs after each answer has been sent in full.
    StatusServer(loop::EventLoop& loop, SnapshotSource source, std::function<void()> served = {});
    ~StatusServer();

    // Binds `path` (0660, group `gid` when we are root); the error says why not.
    std::expected<void, std::string> listen(const std::string& path, gid_t gid);

  private:
    void accept_clients();
    void flush(int fd);

    loop::EventLoop& loop_;
    SnapshotSource source_;
    std::function<void()> served_;
    fs::UniqueFd listener_;
    std::string path_;
    std::map<int, std::pair<fs::UniqueFd, std::string>> pending_;  // fd -> (socket, unsent bytes)
};

}  // namespace dev8::status
