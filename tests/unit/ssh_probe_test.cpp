#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string_view>
#include <thread>

#include "dev8/fs/unique_fd.h"
#include "dev8/process/spawn.h"
#include "dev8/ssh/probe.h"
#include "loopback_socket.h"
#include "reaping_thread.h"
#include "sshd_fixture.h"

using namespace dev8;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A port nothing listens on: bound for a moment, then released.
uint16_t free_port() {
    return LoopbackSocket().port;
}

std::string read_available(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

// The real sshd in the foreground on a loopback port, stopped with its
// process group at the end of the test.
class RunningSshd {
  public:
    explicit RunningSshd(uint16_t port) : files_(port, ::geteuid() == 0), reaping_(reaper_) {
        auto child = process::spawn({.argv = {"/usr/sbin/sshd", "-D", "-e", "-f",
                                              files_.config_path, "-o", "ListenAddress=127.0.0.1"},
                                     .env = {"PATH=/usr/bin:/bin"},
                                     .stdout_mode = process::Stdio::Null},
                                    reaper_);
        REQUIRE(child);
        child_ = std::move(*child);
    }
    ~RunningSshd() { stop(); }

    const ssh::HostKey& host_key() const { return files_.host_key; }

    // Everything sshd logged, once it has been stopped.
    std::string stop() {
        if (!child_.exit->status()) {
            ::kill(-child_.pid, SIGTERM);
            child_.exit->wait();
        }
        if (child_.stderr_fd) log_ += read_available(child_.stderr_fd.get());
        child_.stderr_fd.reset();
        return log_;
    }

  private:
    SshdFiles files_;
    process::Reaper reaper_;
    ReapingThread reaping_;
    process::SpawnedChild child_;
    std::string log_;
};

// What the readiness thread does: a handshake every 5 ms until one succeeds.
std::expected<std::string, std::string> handshake_until(uint16_t port, Clock::duration limit) {
    auto deadline = Clock::now() + limit;
    for (;;) {
        auto result = ssh::handshake(port, 500ms);
        if (result || Clock::now() > deadline) return result;
        std::this_thread::sleep_for(5ms);
    }
}

// Accepts one connection and sends `reply`; then either closes at once or
// reads until the client gives up, so only what it sent can fail the handshake.
class OneReplyServer {
  public:
    enum class Then { KeepOpen, Close };

    OneReplyServer(std::string reply, Then then) {
        REQUIRE(::listen(socket_.fd.get(), 4) == 0);
        thread_ = std::jthread([this, reply = std::move(reply), then] {
            fs::UniqueFd client(::accept4(socket_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!client) return;
            (void)!::write(client.get(), reply.data(), reply.size());
            char buf[256];
            pollfd readable{client.get(), POLLIN, 0};
            while (then == Then::KeepOpen && ::poll(&readable, 1, 5000) == 1 &&
                   ::read(client.get(), buf, sizeof buf) > 0) {
            }
        });
    }
    uint16_t port() const { return socket_.port; }

  private:
    LoopbackSocket socket_;
    std::jthread thread_;
};

struct Elapsed {
    Clock::time_point start = Clock::now();
    Clock::duration operator()() const { return Clock::now() - start; }
};

}  // namespace

TEST_CASE("with nothing listening the handshake fails at once as refused", "[ssh]") {
    auto port = free_port();
    Elapsed elapsed;
    auto result = ssh::handshake(port, 10s);
    REQUIRE_FALSE(result);
    CHECK(result.error() == "connection refused");
    CHECK(elapsed() < 5s);  // not the timeout
}

TEST_CASE("a listener that never speaks fails the handshake after the timeout", "[ssh]") {
    LoopbackSocket server;
    // Connections complete in the kernel's backlog without an accept: the
    // client sees a silent peer.
    REQUIRE(::listen(server.fd.get(), 4) == 0);
    Elapsed elapsed;
    auto result = ssh::handshake(server.port, 300ms);
    REQUIRE_FALSE(result);
    CHECK(result.error() == "timeout after 300 ms");
    CHECK(elapsed() >= 290ms);
    CHECK(elapsed() < 5s);
}

TEST_CASE("a listener that answers with something other than SSH fails at once", "[ssh]") {
    SECTION("a long line that is no SSH version line") {
        OneReplyServer server(std::string(300, 'x'), OneReplyServer::Then::KeepOpen);
        Elapsed elapsed;
        CHECK(ssh::handshake(server.port(), 10s) == std::unexpected("not SSH"));
        CHECK(elapsed() < 5s);  // not the timeout
    }
    SECTION("an answer and a hang-up") {
        OneReplyServer server("HTTP/1.1 400 Bad Request\r\n\r\n", OneReplyServer::Then::Close);
        Elapsed elapsed;
        CHECK(ssh::handshake(server.port(), 10s) ==
              std::unexpected("connection closed by the server"));
        CHECK(elapsed() < 5s);
    }
}

TEST_CASE("short lines before the SSH version are allowed, so a silent HTTP server times out",
          "[ssh]") {
    // RFC 4253 4.2 lets a server send other lines first; libssh skips them.
    OneReplyServer server("HTTP/1.1 400 Bad Request\r\n\r\n", OneReplyServer::Then::KeepOpen);
    CHECK(ssh::handshake(server.port(), 300ms) == std::unexpected("timeout after 300 ms"));
}

TEST_CASE("a handshake with the real sshd gives the fingerprint of ensure_host_key", "[ssh]") {
    auto port = free_port();
    RunningSshd sshd(port);
    auto result = handshake_until(port, 10s);
    INFO("sshd said: " << (result ? std::string() : sshd.stop()));
    REQUIRE(result);
    CHECK(*result == sshd.host_key().fingerprint);

    for (int i = 0; i < 5; ++i) CHECK(ssh::handshake(port, 2s) == result);

    // The probe says goodbye: sshd logs a disconnect by the client, not a
    // dropped connection.
    auto log = sshd.stop();
    INFO(log);
    CHECK(log.find("Received disconnect from 127.0.0.1") != std::string::npos);
    CHECK(log.find("Bye Bye") != std::string::npos);
    CHECK(log.find("Connection closed") == std::string::npos);
}
