#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>

namespace dev8::ssh {

// One SSH handshake (key exchange, no authentication) with 127.0.0.1:port
// through libssh; the value is the fingerprint of the host key the server
// presented ("SHA256:…"). The error is a short reason (refused, timeout, not
// SSH, …). Returns at once when nothing listens and within about `timeout`
// otherwise; reads no config file, known_hosts or home directory and logs
// nothing, so a readiness thread may call it every few milliseconds.
std::expected<std::string, std::string> handshake(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace dev8::ssh
