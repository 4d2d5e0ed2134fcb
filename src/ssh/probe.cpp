#include "dev8/ssh/probe.h"

#include <algorithm>
#include <memory>
#include <string_view>

#include "libssh_handles.h"

namespace dev8::ssh {
namespace {

// Paths that hold nothing: libssh would otherwise derive ~/.ssh from the
// passwd database (getpwuid, unsafe in a static binary) and read the
// user's config and known_hosts.
constexpr const char* kNowhere = "/dev/null";

bool set_options(ssh_session session, uint16_t port, std::chrono::milliseconds timeout) {
    // libssh turns a zero timeout into its 10 s default.
    long timeout_usec = std::max<long>(1000, static_cast<long>(timeout.count()) * 1000);
    unsigned int port_number = port;
    bool process_config = false;
    return ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &process_config) == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_HOST, "127.0.0.1") == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_PORT, &port_number) == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_USER, "dev8-probe") == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_SSH_DIR, kNowhere) == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, kNowhere) == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, kNowhere) == SSH_OK &&
           ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &timeout_usec) == SSH_OK;
}

// The readiness log wants a word, not libssh's sentence.
std::string reason(ssh_session session, std::chrono::milliseconds timeout) {
    std::string_view error = ssh_get_error(session);
    auto has = [&](std::string_view part) { return error.find(part) != std::string_view::npos; };
    if (has("Connection refused")) return "connection refused";
    if (has("Timeout")) return "timeout after " + std::to_string(timeout.count()) + " ms";
    if (has("banner") || has("Protocol mismatch")) return "not SSH";
    if (has("reset by peer") || has("disconnected")) return "connection closed by the server";
    return "handshake failed: " + std::string(error);
}

struct EventFree {
    void operator()(ssh_event event) const { ssh_event_free(event); }
};
using UniqueEvent = std::unique_ptr<ssh_event_struct, EventFree>;

// libssh 0.10 marks its socket "may block" after every write and only a poll
// clears that; ssh_disconnect then queues SSH_MSG_DISCONNECT behind it and
// closes the socket with the message unsent, so sshd logs a dropped
// connection. One poll first lets the goodbye go out.
void let_goodbye_through(ssh_session session) {
    UniqueEvent event(ssh_event_new());
    if (!event || ssh_event_add_session(event.get(), session) != SSH_OK) return;
    ssh_event_dopoll(event.get(), 0);
    ssh_event_remove_session(event.get(), session);
}

}  // namespace

std::expected<std::string, std::string> handshake(uint16_t port,
                                                  std::chrono::milliseconds timeout) {
    ensure_libssh();
    UniqueSession session(ssh_new());
    if (!session) return std::unexpected("libssh cannot create a session");
    if (!set_options(session.get(), port, timeout)) {
        return std::unexpected("libssh refused an option: " +
                               std::string(ssh_get_error(session.get())));
    }
    if (ssh_connect(session.get()) != SSH_OK) {
        return std::unexpected(reason(session.get(), timeout));
    }
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session.get(), &raw) != SSH_OK) {
        return std::unexpected("no host key from the server");
    }
    UniqueKey key(raw);
    auto fingerprint = fingerprint_of_key(key.get());
    let_goodbye_through(session.get());
    return fingerprint;
}

}  // namespace dev8::ssh
