#include "dev8/supervisor/readiness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>

#include "dev8/fs/unique_fd.h"
#include "dev8/github/http.h"
#include "dev8/ssh/probe.h"

namespace dev8::supervisor {
namespace {

bool tcp_connects(uint16_t port, std::chrono::milliseconds timeout) {
    fs::UniqueFd sock(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!sock) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return true;
    if (errno != EINPROGRESS) return false;
    pollfd pfd{sock.get(), POLLOUT, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return false;
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &error, &len);
    return error == 0;
}

bool http_answers(const std::string& url, std::chrono::milliseconds timeout, std::stop_token stop) {
    auto response = github::http_get({.url = url,
                                      .headers = {},
                                      .connect_timeout = timeout,
                                      .total_timeout = timeout * 4,
                                      .stop = stop});
    return response && response->status >= 200 && response->status < 400;
}

}  // namespace

bool probe_once(const ReadyProbe& probe, std::chrono::milliseconds timeout,
                std::stop_token stop) try {
    // A loopback connect is answered at once; a short wait keeps a stop from
    // waiting on the probe thread.
    if (auto* tcp = std::get_if<TcpProbe>(&probe)) {
        return tcp_connects(tcp->port, std::min(timeout, std::chrono::milliseconds(50)));
    }
    if (auto* http = std::get_if<HttpProbe>(&probe)) return http_answers(http->url, timeout, stop);
    if (auto* ssh = std::get_if<SshProbe>(&probe))
        return ssh::handshake(ssh->port, timeout).has_value();
    return true;
} catch (...) {
    return false;  // a probe that throws has not seen the service ready
}

std::chrono::milliseconds probe_interval(std::chrono::milliseconds since_start) {
    using namespace std::chrono_literals;
    if (since_start < 3s) return 5ms;
    if (since_start < 30s) return 100ms;
    return 1000ms;
}

ReadinessWatch::ReadinessWatch(ReadyProbe probe, std::function<void()> on_ready)
    : thread_([probe = std::move(probe), on_ready = std::move(on_ready)](std::stop_token stop) {
          auto start = std::chrono::steady_clock::now();
          std::mutex mutex;
          std::condition_variable_any wake;
          while (!stop.stop_requested()) {
              if (probe_once(probe, std::chrono::milliseconds(250), stop)) {
                  if (!stop.stop_requested()) on_ready();
                  return;
              }
              auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start);
              std::unique_lock lock(mutex);
              wake.wait_for(lock, stop, probe_interval(elapsed), [] { return false; });
          }
      }) {}

}  // namespace dev8::supervisor
