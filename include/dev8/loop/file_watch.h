#pragma once

#include <functional>
#include <string>

#include "dev8/fs/unique_fd.h"
#include "dev8/loop/event_loop.h"

namespace dev8::loop {

// Calls `changed` on the loop thread whenever the file at `path` may have
// changed: written and closed, created, renamed onto, or, as Kubernetes
// rotates a mounted secret, its directory's ..data link swapped. It watches
// the directory (inotify), so the file need not exist yet, and the file
// itself, so a write through another path (Docker's bind mount of a single
// secret file, written on the host) is seen too. No wake-up while nothing
// happens.
class FileWatch {
  public:
    FileWatch(EventLoop& loop, const std::string& path, std::function<void()> changed);
    ~FileWatch();
    FileWatch(const FileWatch&) = delete;
    FileWatch& operator=(const FileWatch&) = delete;

    // False when inotify refused (no such directory, no watches left).
    bool watching() const { return static_cast<bool>(fd_); }

  private:
    void read_events();
    void watch_file();

    EventLoop& loop_;
    std::string path_;
    std::string name_;
    int file_wd_ = -1;
    std::function<void()> changed_;
    fs::UniqueFd fd_;
};

}  // namespace dev8::loop
