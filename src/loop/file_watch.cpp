#include "dev8/loop/file_watch.h"

#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>

namespace dev8::loop {
namespace {

constexpr uint32_t kDirectoryEvents =
    IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_DELETE;
// The file's own inode: a write through another path to it (a Docker bind
// mount of one file, a hard link) reaches no watch on this directory.
constexpr uint32_t kFileEvents = IN_CLOSE_WRITE | IN_ATTRIB;

}  // namespace

FileWatch::FileWatch(EventLoop& loop, const std::string& path, std::function<void()> changed)
    : loop_(loop), path_(path), changed_(std::move(changed)) {
    auto slash = path.rfind('/');
    auto dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
    if (dir.empty()) dir = "/";
    name_ = path.substr(slash == std::string::npos ? 0 : slash + 1);
    fs::UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd) return;
    if (::inotify_add_watch(fd.get(), dir.c_str(), kDirectoryEvents) < 0) return;
    fd_ = std::move(fd);
    watch_file();
    loop_.watch(fd_.get(), EPOLLIN, [this](uint32_t) { read_events(); });
}

FileWatch::~FileWatch() {
    if (fd_) loop_.unwatch(fd_.get());
}

// Follows a symlink to the file it names now; after a swap, the next change
// moves the watch to the new file (a missing file: the directory's CREATE).
void FileWatch::watch_file() {
    file_wd_ = ::inotify_add_watch(fd_.get(), path_.c_str(), kFileEvents);
}

void FileWatch::read_events() {
    alignas(inotify_event) char buf[4096];
    bool ours = false;
    for (;;) {
        ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t at = 0; at < n;) {
            auto* event = reinterpret_cast<const inotify_event*>(buf + at);
            std::string_view name = event->len ? event->name : "";
            if (event->wd == file_wd_ || name == name_ || name == "..data") ours = true;
            at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
        }
    }
    if (!ours) return;
    watch_file();
    changed_();
}

}  // namespace dev8::loop
