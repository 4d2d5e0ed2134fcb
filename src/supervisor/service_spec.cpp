#include "dev8/supervisor/service_spec.h"

#include <nlohmann/json.hpp>

namespace dev8::supervisor {
namespace {

using Json = nlohmann::json;
using Error = std::unexpected<std::string>;

std::expected<ReadyProbe, std::string> parse_probe(const Json& ready) {
    if (!ready.is_object() || ready.size() != 1) {
        return Error("\"ready\" must be {\"tcp\": PORT} or {\"http\": URL}");
    }
    if (auto it = ready.find("tcp"); it != ready.end()) {
        if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 65535) {
            return Error("\"ready.tcp\" must be a port number from 1 to 65535");
        }
        return TcpProbe{static_cast<uint16_t>(it->get<int64_t>())};
    }
    if (auto it = ready.find("http"); it != ready.end()) {
        auto is_url = [](const std::string& url) {
            return url.starts_with("http://") || url.starts_with("https://");
        };
        if (!it->is_string() || !is_url(it->get<std::string>())) {
            return Error("\"ready.http\" must be an http:// or https:// URL");
        }
        return HttpProbe{it->get<std::string>()};
    }
    return Error("\"ready\" must be {\"tcp\": PORT} or {\"http\": URL}");
}

std::expected<RestartPolicy, std::string> parse_restart(const Json& value) {
    if (value.is_string()) {
        auto text = value.get<std::string>();
        if (text == "always") return RestartPolicy::Always;
        if (text == "on-failure") return RestartPolicy::OnFailure;
        if (text == "never") return RestartPolicy::Never;
    }
    return Error("\"restart\" must be \"always\", \"on-failure\" or \"never\"");
}

// exec and the environment are C strings: a NUL from a JSON "\u0000" would
// silently cut an argument, a path or a value short.
bool has_nul(std::string_view text) {
    return text.find('\0') != std::string_view::npos;
}

std::expected<std::vector<std::string>, std::string> parse_command(const Json& value) {
    if (!value.is_array() || value.empty()) {
        return Error("\"command\" must be a non-empty array of strings");
    }
    std::vector<std::string> argv;
    for (const auto& arg : value) {
        if (!arg.is_string()) return Error("\"command\" must be a non-empty array of strings");
        argv.push_back(arg.get<std::string>());
        if (has_nul(argv.back())) return Error("\"command\" holds a NUL character");
    }
    if (argv[0].empty()) return Error("\"command\"[0] is empty");
    return argv;
}

std::expected<fs::Account, std::string> parse_user(const Json& value,
                                                   const ServiceDefaults& defaults) {
    if (!value.is_string()) return Error("\"user\" must be a user name");
    auto name = value.get<std::string>();
    if (name == defaults.user.name) return defaults.user;
    if (!defaults.may_switch_user) {
        return Error("\"user\": dev8-init is not root and can only run services as " +
                     defaults.user.name);
    }
    auto account = fs::find_account(name, defaults.accounts);
    if (!account) return Error("\"user\": no user \"" + name + "\" in /etc/passwd");
    return *account;
}

std::expected<std::map<std::string, std::string>, std::string> parse_env(const Json& value) {
    if (!value.is_object()) return Error("\"env\" must be an object of strings");
    std::map<std::string, std::string> env;
    for (const auto& [key, val] : value.items()) {
        if (!val.is_string()) return Error("\"env\"." + key + " must be a string");
        if (key.empty() || key.find('=') != std::string::npos || has_nul(key)) {
            return Error("\"env\" has an invalid variable name \"" + key + "\"");
        }
        env[key] = val.get<std::string>();
        if (has_nul(env[key])) return Error("\"env\"." + key + " holds a NUL character");
    }
    return env;
}

}  // namespace

bool is_valid_service_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    auto ok = [](char c, bool first) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!first && c == '-');
    };
    for (size_t i = 0; i < name.size(); ++i) {
        if (!ok(name[i], i == 0)) return false;
    }
    return true;
}

bool is_reserved_service_name(std::string_view name) {
    return name == "main" || name == "sshd" || name == "code-server";
}

std::string_view to_string(RestartPolicy policy) {
    switch (policy) {
        case RestartPolicy::Always:
            return "always";
        case RestartPolicy::OnFailure:
            return "on-failure";
        case RestartPolicy::Never:
            return "never";
    }
    return "always";
}

std::expected<ServiceSpec, std::string> parse_service_spec(const Json& doc,
                                                           const ServiceDefaults& defaults) {
    static const std::vector<std::string> kKnown = {"name", "command", "user",      "cwd",
                                                    "env",  "restart", "essential", "ready"};
    if (!doc.is_object()) return Error("must be a JSON object");
    for (const auto& [key, _] : doc.items()) {
        if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
            return Error("unknown field \"" + key + "\"");
        }
    }
    ServiceSpec spec;
    auto name = doc.find("name");
    if (name == doc.end() || !name->is_string()) return Error("\"name\" is required");
    spec.name = name->get<std::string>();
    if (!is_valid_service_name(spec.name)) {
        return Error("\"name\" \"" + spec.name + "\" must match [a-z0-9][a-z0-9-]*");
    }
    if (is_reserved_service_name(spec.name)) {
        return Error("\"name\" \"" + spec.name + "\" is reserved");
    }
    auto command =
        doc.contains("command") ? parse_command(doc["command"]) : Error("\"command\" is required");
    if (!command) return Error(command.error());
    spec.command = std::move(*command);

    spec.user = defaults.user;
    if (doc.contains("user")) {
        auto user = parse_user(doc["user"], defaults);
        if (!user) return Error(user.error());
        spec.user = std::move(*user);
    }
    spec.cwd = defaults.cwd;
    if (doc.contains("cwd")) {
        if (!doc["cwd"].is_string() || !doc["cwd"].get<std::string>().starts_with('/') ||
            has_nul(doc["cwd"].get<std::string>())) {
            return Error("\"cwd\" must be an absolute path");
        }
        spec.cwd = doc["cwd"].get<std::string>();
    }
    if (doc.contains("env")) {
        auto env = parse_env(doc["env"]);
        if (!env) return Error(env.error());
        spec.env = std::move(*env);
    }
    if (doc.contains("restart")) {
        auto restart = parse_restart(doc["restart"]);
        if (!restart) return Error(restart.error());
        spec.restart = *restart;
    }
    if (doc.contains("essential")) {
        if (!doc["essential"].is_boolean()) return Error("\"essential\" must be true or false");
        spec.essential = doc["essential"].get<bool>();
    }
    if (doc.contains("ready")) {
        auto probe = parse_probe(doc["ready"]);
        if (!probe) return Error(probe.error());
        spec.ready = std::move(*probe);
    }
    return spec;
}

}  // namespace dev8::supervisor
