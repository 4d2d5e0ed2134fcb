// The status document (status::to_json, written with log::json_text as the
// status socket and `dev8-init status --json` do) with arbitrary bytes in
// every string: step and service names and messages, the token's login,
// scopes and expiry, host key fingerprints, the version.
//
// Input: NUL-separated fields, read as records that each begin with a tag:
//   phase P | healthy | step NAME STATE MS MESSAGE
//   service NAME STATE PID RESTARTS EXIT MESSAGE REQUIRED(1)
//     (EXIT: empty, "code:N" or "signal:N")
//   github STATE | login L | scope S | expires E | fingerprint F | version V
// States are the status document's names; other text picks the first state.
//
// Invariants:
// - building and writing the document never throws, compact or indented;
// - the text is JSON that nlohmann::json reads back strictly, the same
//   document either way, with every step and service in order;
// - a string that was valid UTF-8 comes back unchanged; any other comes back
//   as a valid UTF-8 string;
// - `degraded` lists what status::degraded says, and the text rendering of
//   `dev8-init status` reads the document without throwing.

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "dev8/log/logging.h"
#include "dev8/status/status.h"
#include "dev8/status/status_client.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
using Json = nlohmann::json;
namespace status = dev8::status;

// 2026-01-01T00:00:00Z: the times of a snapshot do not come from the input.
const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'767'225'600)};

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The fields of the input, one after the other; empty ones past the end.
class Fields {
  public:
    explicit Fields(std::string_view input) : parts_(dev8::fuzz::split_parts(input, SIZE_MAX)) {}
    bool done() const { return next_ >= parts_.size(); }
    std::string text() { return std::string(dev8::fuzz::part(parts_, next_++)); }

    template <typename T>
    std::optional<T> number() {
        return parse_number<T>(dev8::fuzz::part(parts_, next_++));
    }

    // The state whose name the field holds, else the first one.
    template <typename State>
    State state(int count) {
        auto name = text();
        for (int i = 0; i < count; ++i) {
            if (to_string(static_cast<State>(i)) == name) return static_cast<State>(i);
        }
        return static_cast<State>(0);
    }

  private:
    std::vector<std::string_view> parts_;
    size_t next_ = 0;
};

std::optional<dev8::process::ExitStatus> exit_status(std::string_view text) {
    auto number = parse_number<int>(text.substr(text.find(':') + 1)).value_or(0);
    dev8::process::ExitStatus exit;
    exit.at = kNow;
    if (text.starts_with("code:"))
        exit.code = number;
    else if (text.starts_with("signal:"))
        exit.signal = number;
    else
        return std::nullopt;
    return exit;
}

dev8::supervisor::ServiceReport service(Fields& in) {
    dev8::supervisor::ServiceReport report;
    report.name = in.text();
    report.state = in.state<dev8::supervisor::ServiceState>(7);
    report.pid = in.number<pid_t>();
    report.restarts = in.number<uint64_t>().value_or(0);
    report.last_exit = exit_status(in.text());
    report.message = in.text();
    report.required = in.text() == "1";
    return report;
}

dev8::github::TokenCheck& token_check(status::Snapshot& s) {
    s.github.present = true;
    if (!s.github.last) {
        s.github.last.emplace();
        s.github.checked_at = kNow;
    }
    return *s.github.last;
}

void github(status::Snapshot& s, Fields& in) {
    s.github.present = true;
    s.github.next_check = kNow + std::chrono::minutes(5);
    auto state = in.text();
    if (state == "unchecked") return;
    for (int i = 0; i < 5; ++i) {
        auto candidate = static_cast<dev8::github::TokenState>(i);
        if (dev8::github::to_string(candidate) == state) token_check(s).state = candidate;
    }
}

status::Snapshot snapshot(std::string_view input) {
    status::Snapshot s;
    s.uptime_s = 12.3;
    s.pid = 1;
    Fields in(input);
    while (!in.done()) {
        auto tag = in.text();
        if (tag == "phase") {
            s.phase = in.state<status::Phase>(4);
        } else if (tag == "healthy") {
            s.healthy = true;
        } else if (tag == "step") {
            dev8::steps::StepReport step;
            step.name = in.text();
            step.state = in.state<dev8::steps::StepState>(5);
            step.duration = std::chrono::milliseconds(in.number<int64_t>().value_or(0));
            step.message = in.text();
            s.steps.push_back(std::move(step));
        } else if (tag == "service") {
            s.services.push_back(service(in));
        } else if (tag == "github") {
            github(s, in);
        } else if (tag == "login") {
            token_check(s).login = in.text();
        } else if (tag == "scope") {
            token_check(s).scopes.push_back(in.text());
        } else if (tag == "expires") {
            token_check(s).expires_at = in.text();
        } else if (tag == "fingerprint") {
            s.host_key_fingerprints.push_back(in.text());
        } else if (tag == "version") {
            s.version = in.text();
        }
    }
    return s;
}

void check_string(const Json& value, const std::string& original, std::string_view field) {
    check(value.is_string(), "a string field is missing or not a string", field);
    if (dev8::fuzz::is_valid_utf8(original)) {
        check(value == original, "a valid UTF-8 string did not come back unchanged", original);
    }
}

void check_strings(const Json& values, const std::vector<std::string>& originals,
                   std::string_view field) {
    check(values.is_array() && values.size() == originals.size(), "a list lost or gained items",
          field);
    for (size_t i = 0; i < originals.size(); ++i) check_string(values[i], originals[i], field);
}

void check_document(const Json& doc, const status::Snapshot& s) {
    check(doc.is_object() && doc["healthy"] == s.healthy &&
              doc["phase"] == status::to_string(s.phase),
          "the document does not say the phase and health it was given");
    check_strings(doc["degraded"], status::degraded(s), "degraded");
    check(doc["steps"].size() == s.steps.size(), "a step was lost or added");
    for (size_t i = 0; i < s.steps.size(); ++i) {
        check_string(doc["steps"][i]["name"], s.steps[i].name, "steps[].name");
        check_string(doc["steps"][i]["message"], s.steps[i].message, "steps[].message");
    }
    check(doc["services"].size() == s.services.size(), "a service was lost or added");
    for (size_t i = 0; i < s.services.size(); ++i) {
        const auto& entry = doc["services"][i];
        check_string(entry["name"], s.services[i].name, "services[].name");
        if (!s.services[i].message.empty())
            check_string(entry["message"], s.services[i].message, "services[].message");
    }
    const auto& github = doc["github"];
    if (s.github.present && s.github.last) {
        const auto& last = *s.github.last;
        if (!last.login.empty()) check_string(github["login"], last.login, "github.login");
        check_strings(github["scopes"], last.scopes, "github.scopes");
        if (last.expires_at) check_string(github["expires_at"], *last.expires_at, "expires_at");
    }
    check_strings(doc["ssh"]["host_key_fingerprints"], s.host_key_fingerprints, "fingerprints");
    check_string(doc["version"], s.version, "version");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto s = snapshot(dev8::fuzz::as_text(data, size));
    auto document = status::to_json(s);
    auto compact = dev8::log::json_text(document);
    auto indented = dev8::log::json_text(document, 2);
    auto doc = Json::parse(compact, nullptr, false);
    check(!doc.is_discarded(), "the status text is not JSON", compact);
    check(Json::parse(indented, nullptr, false) == doc,
          "the indented status text is another document", indented);
    check_document(doc, s);
    check(dev8::fuzz::is_valid_utf8(status::render_text(doc)),
          "the text rendering is not valid UTF-8");
    return 0;
}
