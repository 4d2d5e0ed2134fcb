#include "dev8/fs/fd_io.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "dev8/fs/unique_fd.h"

using namespace dev8;

namespace {

struct Pipe {
    fs::UniqueFd read, write;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
        read.reset(fds[0]);
        write.reset(fds[1]);
    }
};

}  // namespace

TEST_CASE("a pipe reads as data, then empty, then closed", "[fd]") {
    Pipe pipe;
    std::string into;
    CHECK(fs::read_chunk(pipe.read.get(), into) == fs::ReadState::Empty);
    REQUIRE(fs::write_all(pipe.write.get(), "hello"));
    CHECK(fs::read_chunk(pipe.read.get(), into) == fs::ReadState::Data);
    CHECK(into == "hello");
    pipe.write.reset();
    CHECK(fs::read_chunk(pipe.read.get(), into) == fs::ReadState::Closed);
}

TEST_CASE("beyond its limit a read is dropped, not kept", "[fd]") {
    Pipe pipe;
    std::string into;
    REQUIRE(fs::write_all(pipe.write.get(), "0123456789"));
    CHECK(fs::read_chunk(pipe.read.get(), into, 4) == fs::ReadState::Data);
    CHECK(into == "0123");
    REQUIRE(fs::write_all(pipe.write.get(), "more"));
    CHECK(fs::read_chunk(pipe.read.get(), into, 4) == fs::ReadState::Data);
    CHECK(into == "0123");
    CHECK(fs::read_chunk(pipe.read.get(), into, 4) == fs::ReadState::Empty);
}

TEST_CASE("writing to a pipe nobody reads fails instead of blocking", "[fd]") {
    // As in dev8-init, where SIGPIPE is ignored from the first moment.
    struct sigaction ignore {
    }, saved{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &saved);
    Pipe pipe;
    pipe.read.reset();
    CHECK_FALSE(fs::write_all(pipe.write.get(), "lost"));
    ::sigaction(SIGPIPE, &saved, nullptr);
}
