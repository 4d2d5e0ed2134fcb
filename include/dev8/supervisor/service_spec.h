#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

#include "dev8/fs/accounts.h"

namespace dev8::supervisor {

enum class RestartPolicy { Always, OnFailure, Never };

struct TcpProbe {
    uint16_t port = 0;
};
struct HttpProbe {
    std::string url;
};
// An SSH key exchange with 127.0.0.1:port: a listening sshd that cannot load
// its host key or config still accepts TCP connections.
struct SshProbe {
    uint16_t port = 0;
};
using ReadyProbe = std::variant<std::monostate, TcpProbe, HttpProbe, SshProbe>;

// Runs on the loop before each start of a service: puts in place the files it
// needs (host keys, a password) and gives environment for this run only, so a
// secret never sits in the spec. An error is one line; that run fails.
using PrepareHook = std::function<std::expected<std::map<std::string, std::string>, std::string>()>;

// How one supervised program is run. The main command, the built-in services
// and every services.d file end up as one of these.
struct ServiceSpec {
    std::string name;
    std::vector<std::string> command;
    fs::Account user;
    std::string cwd;
    std::map<std::string, std::string> env;  // on top of the supervisor's environment
    RestartPolicy restart = RestartPolicy::Always;
    bool essential = false;
    ReadyProbe ready;
    PrepareHook prepare;
    // The main command: caller's stdio, the TTY's foreground, never restarted,
    // its exit ends the container.
    bool is_main = false;
    // sshd or code-server: the workspace is not ready without it.
    bool builtin = false;
    // The init steps that must have ended before it starts (sshd: the SSH
    // keys and the shells' environment). Empty: every step, as for a
    // services.d service and the main command.
    std::vector<std::string> after_steps;

    // Counts for readiness (`dev8-init health`): a built-in or essential
    // service, or the main command. Another one in trouble only degrades.
    bool required() const { return builtin || essential || is_main; }
};

// What a services.d file gets when it leaves a field out.
struct ServiceDefaults {
    fs::Account user;
    std::string cwd;
    fs::AccountFiles accounts;
    bool may_switch_user = true;  // false when dev8-init is not root
};

bool is_valid_service_name(std::string_view name);
bool is_reserved_service_name(std::string_view name);
std::string_view to_string(RestartPolicy policy);

// Parses one services.d document; the error is a one-line reason.
std::expected<ServiceSpec, std::string> parse_service_spec(const nlohmann::json& doc,
                                                           const ServiceDefaults& defaults);

}  // namespace dev8::supervisor
