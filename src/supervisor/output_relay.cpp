#include "dev8/supervisor/output_relay.h"

#include <fcntl.h>
#include <sys/epoll.h>

#include "dev8/fs/fd_io.h"
#include "dev8/log/redactor.h"

namespace dev8::supervisor {

OutputRelay::OutputRelay(loop::EventLoop& loop, std::string service, log::Stream stream,
                         fs::UniqueFd fd)
    : loop_(loop), service_(std::move(service)), stream_(stream), fd_(std::move(fd)) {
    // Non-blocking, so a final flush cannot hang on a writer that escaped the stop.
    ::fcntl(fd_.get(), F_SETFL, ::fcntl(fd_.get(), F_GETFL) | O_NONBLOCK);
    loop_.watch(fd_.get(), EPOLLIN, [this](uint32_t) { drain(); });
}

OutputRelay::~OutputRelay() {
    close();
}

void OutputRelay::close() {
    if (!fd_) return;
    loop_.unwatch(fd_.get());
    fd_.reset();
    if (!partial_.empty()) log::relay(service_, stream_, partial_);
    partial_.clear();
}

void OutputRelay::flush() {
    while (fd_ && drain()) {
    }
    close();
}

// One read a call, so a service that never stops writing cannot hold the loop.
bool OutputRelay::drain() {
    auto state = fs::read_chunk(fd_.get(), partial_);
    if (state == fs::ReadState::Closed) close();
    if (state != fs::ReadState::Data) return false;
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
        size_t end = nl > start && partial_[nl - 1] == '\r' ? nl - 1 : nl;
        // Nothing left of a line that went out in pieces: an empty line
        // here would be one the service never wrote.
        if (end > start || !in_pieces_) {
            log::relay(service_, stream_, std::string_view(partial_).substr(start, end - start));
        }
        in_pieces_ = false;
    }
    partial_.erase(0, start);
    // A line too long to hold whole goes out in pieces, each cut where no
    // secret can be torn in two (so each piece is redacted whole).
    if (partial_.size() >= kMaxLine) {
        auto cut = std::max(log::redactor().safe_prefix(partial_), partial_.size() - kMaxLine);
        if (cut > 0) {
            log::relay(service_, stream_, std::string_view(partial_).substr(0, cut));
            partial_.erase(0, cut);
            in_pieces_ = true;
        }
    }
    return true;
}

}  // namespace dev8::supervisor
