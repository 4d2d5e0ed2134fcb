#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

// Captures what is written to one of our standard descriptors.
class Capture {
  public:
    explicit Capture(int target) : target_(target) {
        REQUIRE(::pipe2(fds_, O_NONBLOCK) == 0);
        saved_ = ::dup(target_);
        ::dup2(fds_[1], target_);
    }
    ~Capture() {
        ::dup2(saved_, target_);
        ::close(saved_);
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    std::string text() {
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fds_[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
        return out;
    }

  private:
    int target_;
    int fds_[2];
    int saved_;
};
