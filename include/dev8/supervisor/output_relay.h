#pragma once

#include <string>

#include "dev8/fs/unique_fd.h"
#include "dev8/log/logging.h"
#include "dev8/loop/event_loop.h"

namespace dev8::supervisor {

// Splits a child's pipe into lines and relays each with the service's prefix,
// through the redactor, as the event loop finds them readable.
class OutputRelay {
  public:
    OutputRelay(loop::EventLoop& loop, std::string service, log::Stream stream, fs::UniqueFd fd);
    ~OutputRelay();
    OutputRelay(const OutputRelay&) = delete;
    OutputRelay& operator=(const OutputRelay&) = delete;

    bool open() const { return static_cast<bool>(fd_); }
    // Reads until EOF or until nothing more is there, then closes.
    void flush();

  private:
    // false once nothing more can be read now (or ever: then it is closed).
    bool drain();
    void close();

    static constexpr size_t kMaxLine = 16 * 1024;
    loop::EventLoop& loop_;
    std::string service_;
    log::Stream stream_;
    fs::UniqueFd fd_;
    std::string partial_;
    bool in_pieces_ = false;  // some of the line in partial_ has been relayed
};

}  // namespace dev8::supervisor
