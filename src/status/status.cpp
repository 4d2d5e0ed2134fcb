#include "dev8/status/status.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace dev8::status {
namespace {

using Json = nlohmann::json;

Json exit_json(const std::optional<process::ExitStatus>& exit) {
    if (!exit) return nullptr;
    Json code = exit->code ? Json(*exit->code) : Json(nullptr);
    Json signal = exit->signal ? Json(*exit->signal) : Json(nullptr);
    return {{"code", code}, {"signal", signal}, {"at", rfc3339(exit->at)}};
}

template <typename T>
Json optional_json(const std::optional<T>& value) {
    return value ? Json(*value) : Json(nullptr);
}

// "absent" without a token, "unchecked" until the first check.
Json github_json(const github::TokenReport& token) {
    Json doc = {{"state", "absent"},     {"login", nullptr},        {"scopes", Json::array()},
                {"expires_at", nullptr}, {"last_checked", nullptr}, {"next_check", nullptr}};
    if (!token.present) return doc;
    doc["state"] = "unchecked";
    if (token.next_check) doc["next_check"] = rfc3339(*token.next_check);
    if (!token.last) return doc;
    const auto& last = *token.last;
    doc["state"] = github::to_string(last.state);
    if (!last.login.empty()) doc["login"] = last.login;
    doc["scopes"] = last.scopes;
    doc["expires_at"] = optional_json(last.expires_at);
    if (token.checked_at) doc["last_checked"] = rfc3339(*token.checked_at);
    return doc;
}

Json time_json(const std::optional<std::chrono::system_clock::time_point>& t) {
    return t ? Json(rfc3339(*t)) : Json(nullptr);
}

// Nulls while the idle stop is off: nothing is tracked then.
Json activity_json(const activity::ActivityReport& a) {
    Json doc = {{"idle_timeout_s", nullptr}, {"last_activity", nullptr},
                {"idle_for_s", nullptr},     {"idle_stop_at", nullptr},
                {"warned", false},           {"keepalive_until", nullptr}};
    for (auto source : activity::kSources) doc[std::string(activity::to_string(source))] = nullptr;
    if (!a.on) return doc;
    doc["idle_timeout_s"] = static_cast<double>(a.timeout.count()) / 1000.0;
    doc["last_activity"] = time_json(a.last_activity);
    doc["idle_for_s"] = std::round(a.idle_for_s * 10) / 10;
    doc["idle_stop_at"] = time_json(a.idle_stop_at);
    doc["warned"] = a.warned;
    doc["keepalive_until"] = time_json(a.keepalive_until);
    for (auto source : activity::kSources)
        doc[std::string(activity::to_string(source))] =
            time_json(a.sources[static_cast<size_t>(source)]);
    return doc;
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::Init:
            return "init";
        case Phase::Starting:
            return "starting";
        case Phase::Running:
            return "running";
        case Phase::Stopping:
            return "stopping";
    }
    return "init";
}

namespace {

std::optional<std::string> token_trouble(const github::TokenReport& token) {
    if (!token.last) return std::nullopt;
    switch (token.last->state) {
        case github::TokenState::Invalid:
            return "github: token invalid";
        case github::TokenState::Expired:
            return "github: token expired";
        case github::TokenState::RateLimited:
            return "github: rate limited";
        case github::TokenState::Unreachable:
            return "github: unreachable";
        case github::TokenState::Valid:
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> degraded(const Snapshot& s) {
    std::vector<std::string> list;
    if (auto token = token_trouble(s.github)) list.push_back(*token);
    for (const auto& service : s.services) {
        bool trouble = service.state == supervisor::ServiceState::Backoff ||
                       service.state == supervisor::ServiceState::Failed;
        if (trouble && !service.required)
            list.push_back("service " + service.name + ": " +
                           std::string(supervisor::to_string(service.state)));
    }
    return list;
}

Json to_json(const Snapshot& s) {
    Json steps = Json::array();
    for (const auto& step : s.steps) {
        steps.push_back({{"name", step.name},
                         {"state", steps::to_string(step.state)},
                         {"duration_ms", step.duration.count()},
                         {"message", step.message}});
    }
    Json services = Json::array();
    for (const auto& svc : s.services) {
        Json entry = {{"name", svc.name},
                      {"state", supervisor::to_string(svc.state)},
                      {"pid", optional_json(svc.pid)},
                      {"restarts", svc.restarts},
                      {"last_exit", exit_json(svc.last_exit)}};
        if (!svc.message.empty()) entry["message"] = svc.message;
        services.push_back(std::move(entry));
    }
    return {{"phase", to_string(s.phase)},
            {"healthy", s.healthy},
            {"degraded", degraded(s)},
            {"uptime_s", std::round(s.uptime_s * 10) / 10},
            {"orphans_reaped", s.orphans_reaped},
            {"pid", s.pid},
            {"version", s.version},
            {"steps", std::move(steps)},
            {"services", std::move(services)},
            {"github", github_json(s.github)},
            {"ssh", {{"host_key_fingerprints", s.host_key_fingerprints}}},
            {"activity", activity_json(s.activity)}};
}

}  // namespace dev8::status
