#include "dev8/status/status_client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "dev8/fs/fd_io.h"
#include "dev8/fs/unique_fd.h"
#include "dev8/fs/unix_socket.h"

namespace dev8::status {
namespace {

using Json = nlohmann::json;

constexpr auto kReadTimeoutMs = 2000;

}  // namespace

std::expected<Json, std::string> query(const std::vector<std::string>& state_dirs) {
    std::string last_error = "no state directory";
    for (const auto& dir : state_dirs) {
        std::string path = dir + "/status.sock";
        auto addr = fs::unix_address(path);
        if (!addr) {
            last_error = path + ": path too long";
            continue;
        }
        fs::UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) < 0) {
            last_error = path + ": " + std::strerror(errno);
            continue;
        }
        std::string data;
        do {
            pollfd pfd{sock.get(), POLLIN, 0};
            if (::poll(&pfd, 1, kReadTimeoutMs) <= 0) return std::unexpected(path + ": no answer");
        } while (fs::read_chunk(sock.get(), data) != fs::ReadState::Closed);
        auto doc = Json::parse(data, nullptr, false);
        if (doc.is_discarded()) return std::unexpected(path + ": answer is not JSON");
        return doc;
    }
    return std::unexpected(last_error);
}

namespace {

std::string render_activity(const Json& a) {
    if (!a.is_object() || !a.contains("idle_timeout_s") || !a["idle_timeout_s"].is_number())
        return "activity: idle stop off\n";
    auto text = [&a](const char* key) {
        return a.contains(key) && a[key].is_string() ? a[key].get<std::string>() : std::string("-");
    };
    std::string out = fmt::format("activity: idle {:.0f} s of {:.0f} s, stop at {}{}{}\n",
                                  a.value("idle_for_s", 0.0), a.value("idle_timeout_s", 0.0),
                                  text("idle_stop_at"), a.value("warned", false) ? " (warned)" : "",
                                  a.contains("keepalive_until") && a["keepalive_until"].is_string()
                                      ? ", kept alive until " + text("keepalive_until")
                                      : "");
    out += fmt::format("  last: code-server {}, ssh {}, processes {}, keepalive {}\n",
                       text("code_server"), text("ssh"), text("processes"), text("keepalive"));
    return out;
}

}  // namespace

std::string render_text(const Json& s) {
    std::string out =
        fmt::format("phase: {}   healthy: {}   uptime: {:.1f}s   orphans reaped: {}\n",
                    s.value("phase", "?"), s.value("healthy", false) ? "yes" : "no",
                    s.value("uptime_s", 0.0), s.value("orphans_reaped", 0));
    for (const auto& d : s.value("degraded", Json::array())) {
        out += fmt::format("degraded: {}\n", d.get<std::string>());
    }
    out += "steps:\n";
    if (s["steps"].empty()) out += "  (none)\n";
    for (const auto& step : s["steps"]) {
        out += fmt::format("  {:<16} {:<8} {:>6} ms  {}\n", step.value("name", ""),
                           step.value("state", ""), step.value("duration_ms", 0),
                           step.value("message", ""));
    }
    out += "services:\n";
    for (const auto& svc : s["services"]) {
        std::string exit = "-";
        if (const auto& e = svc["last_exit"]; e.is_object()) {
            exit = e["code"].is_null() ? fmt::format("signal {}", e["signal"].dump())
                                       : fmt::format("code {}", e["code"].dump());
        }
        out += fmt::format("  {:<16} {:<9} pid {:<7} restarts {:<4} last exit {}{}\n",
                           svc.value("name", ""), svc.value("state", ""),
                           svc["pid"].is_null() ? std::string("-") : svc["pid"].dump(),
                           svc.value("restarts", 0), exit,
                           svc.contains("message") ? "  (" + svc.value("message", "") + ")" : "");
    }
    const auto& gh = s["github"];
    auto text = [&gh](const char* key, const char* label) {
        return gh.contains(key) && gh[key].is_string() ? label + gh[key].get<std::string>()
                                                       : std::string();
    };
    out += fmt::format("github: {}{}{}{}{}\n", gh.value("state", "absent"), text("login", " as "),
                       text("expires_at", ", expires "), text("last_checked", ", checked "),
                       text("next_check", ", next check "));
    for (const auto& fp : s["ssh"].value("host_key_fingerprints", Json::array())) {
        out += fmt::format("ssh host key: {}\n", fp.get<std::string>());
    }
    out += render_activity(s.value("activity", Json::object()));
    return out;
}

}  // namespace dev8::status
