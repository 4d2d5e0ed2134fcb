// The settings.json editor (fs::JsoncObject) as the vscode-settings step uses
// it: parse the user's text, add the settings it lacks, and nothing else.
//
// Input: the user's settings text, then optionally a NUL and a JSON object of
// settings to add (else the step's managed defaults).
//
// Invariants:
// - an accepted text is edited by insertion only: the user's bytes stay, in
//   order, apart from one ',' added after the last member when it had none
//   (a blank text is replaced by the new object);
// - the result parses again, keeps the user's keys in order and has the new
//   ones after them; nlohmann::json reads the added values back;
// - a second edit with the same settings adds nothing;
// - ours agrees with nlohmann::json (comments allowed) where both rules are
//   the same: what nlohmann accepts as an object is accepted, with the same
//   keys; what ours accepts, nlohmann accepts once trailing commas are gone,
//   unless it hits a rule of nlohmann's that JSONC readers do not share.

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "dev8/fs/jsonc.h"
#include "fuzz_input.h"

namespace {

using dev8::fs::JsoncObject;
using dev8::fuzz::check;
using Json = nlohmann::json;

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The managed defaults of the vscode-settings step.
JsoncObject::Members managed_defaults() {
    return {
        {"github.copilot.enable", Json::object({{"*", true}})},
        {"telemetry.telemetryLevel", "off"},
        {"workbench.startupEditor", "none"},
        {"security.workspace.trust.enabled", false},
        {"files.autoSave", "afterDelay"},
    };
}

JsoncObject::Members settings_to_add(std::string_view text) {
    auto doc = Json::parse(text, nullptr, false, true);
    if (doc.is_discarded() || !doc.is_object()) return managed_defaults();
    JsoncObject::Members members;
    for (const auto& [key, value] : doc.items()) members.emplace_back(key, value);
    return members;
}

// As the step does: only the settings the user has not set.
JsoncObject::Members missing_from(const JsoncObject& doc, const JsoncObject::Members& settings) {
    JsoncObject::Members missing;
    for (const auto& member : settings) {
        if (!doc.contains(member.first)) missing.push_back(member);
    }
    return missing;
}

// A JSONC text as plain JSON with comments, for nlohmann::json: each comma
// that only white space and comments separate from a '}' or ']' is dropped.
// `blank` says whether anything but white space and comments is left.
struct Reference {
    std::string json;
    bool blank = true;
};

size_t skip_trivia(std::string_view text, size_t i) {
    while (i < text.size()) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
            ++i;
        } else if (text.substr(i).starts_with("//")) {
            i = std::min(text.find_first_of("\r\n", i), text.size());
        } else if (text.substr(i).starts_with("/*")) {
            auto end = text.find("*/", i + 2);
            if (end == std::string_view::npos) return text.size();
            i = end + 2;
        } else {
            break;
        }
    }
    return i;
}

Reference reference_json(std::string_view text) {
    Reference ref;
    size_t i = text.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0;
    ref.json = text.substr(0, i);
    while (i < text.size()) {
        auto after = skip_trivia(text, i);
        ref.json += text.substr(i, after - i);
        i = after;
        if (i >= text.size()) break;
        ref.blank = false;
        char c = text[i];
        if (c == '"') {
            auto start = i++;
            while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
            i = std::min(i + 1, text.size());
            ref.json += text.substr(start, i - start);
            continue;
        }
        ++i;
        if (c == ',') {
            auto next = skip_trivia(text, i);
            if (next < text.size() && (text[next] == '}' || text[next] == ']')) continue;
        }
        ref.json += c;
    }
    return ref;
}

// nlohmann::json's rules that are not JSONC's: it refuses invalid UTF-8,
// unpaired surrogate escapes and numbers beyond a double.
bool nlohmann_only_rule(std::string_view message) {
    return message.find("UTF-8") != std::string_view::npos ||
           message.find("surrogate") != std::string_view::npos ||
           message.find("number overflow") != std::string_view::npos;
}

// nullopt when nlohmann refuses the text for one of its own rules.
std::optional<Json> parse_reference(const Reference& ref) {
    try {
        return Json::parse(ref.json, nullptr, true, true);
    } catch (const Json::exception& e) {
        check(nlohmann_only_rule(e.what()), "a text ours accepts is refused by nlohmann::json",
              ref.json + " -> " + e.what());
        return std::nullopt;
    }
}

// Whether `out` is `in` with one run of bytes inserted and, when
// `comma_allowed`, one ',' inserted before it.
bool is_insertion(std::string_view in, std::string_view out, bool comma_allowed) {
    if (out.size() < in.size()) return false;
    size_t same = 0;
    while (same < in.size() && in[same] == out[same]) ++same;
    auto extra = out.size() - in.size();
    if (out.substr(same + extra) == in.substr(same)) return true;
    if (!comma_allowed || out[same] != ',') return false;
    std::string without(out);
    without.erase(same, 1);
    return is_insertion(in, without, false);
}

void check_agreement_with_nlohmann(std::string_view text,
                                   const std::expected<JsoncObject, std::string>& ours) {
    auto theirs = Json::parse(text, nullptr, false, true);
    if (theirs.is_discarded() || !theirs.is_object()) return;
    // Ours refuses nesting deeper than 256 to keep its recursion bounded.
    if (!ours && ours.error().find("nested too deeply") != std::string::npos) return;
    check(ours.has_value(), "an object nlohmann::json accepts is refused",
          std::string(text) + " -> " + (ours ? "" : ours.error()));
    std::set<std::string> their_keys;
    for (const auto& [key, _] : theirs.items()) their_keys.insert(key);
    std::set<std::string> our_keys(ours->keys().begin(), ours->keys().end());
    check(our_keys == their_keys, "the top-level keys differ from nlohmann::json's", text);
}

void check_edit(std::string_view text, const JsoncObject& doc,
                const JsoncObject::Members& settings) {
    auto missing = missing_from(doc, settings);
    auto edited = doc.with_members(missing);
    if (missing.empty()) {
        check(edited == text, "adding nothing changed the text", text);
        return;
    }

    std::string_view body = text;
    if (body.starts_with(kByteOrderMark)) body.remove_prefix(kByteOrderMark.size());
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        check(std::string_view(edited).starts_with(text.substr(0, text.size() - body.size())),
              "the byte order mark of a blank text was lost", edited);
    } else {
        check(is_insertion(text, edited, !doc.keys().empty()),
              "the edit changed the user's bytes instead of only adding", edited);
    }

    auto again = JsoncObject::parse(edited);
    check(again.has_value(), "the edited text does not parse",
          edited + " -> " + (again ? "" : again.error()));
    auto expected_keys = doc.keys();
    for (const auto& [key, _] : missing) expected_keys.push_back(key);
    check(again->keys() == expected_keys, "the edited text lost, reordered or misnamed a key",
          edited);
    check(again->with_members(missing_from(*again, settings)) == edited,
          "a second edit with the same settings changed the text", edited);

    if (auto theirs = parse_reference(reference_json(edited))) {
        check(theirs->is_object(), "nlohmann::json reads the edited text as no object", edited);
        for (const auto& [key, value] : missing) {
            check(theirs->contains(key) && (*theirs)[key] == value,
                  "nlohmann::json reads another value for an added setting", key);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = dev8::fuzz::split_parts(dev8::fuzz::as_text(data, size), 2);
    std::string_view text = parts[0];
    auto settings = settings_to_add(dev8::fuzz::part(parts, 1));

    auto doc = JsoncObject::parse(std::string(text));
    check_agreement_with_nlohmann(text, doc);
    if (!doc) {
        const auto& error = doc.error();
        check(error.starts_with("line ") && error.find('\n') == std::string::npos,
              "an error is not one line starting with its position", error);
        return 0;
    }
    auto ref = reference_json(text);
    if (!ref.blank) {
        if (auto theirs = parse_reference(ref)) {
            check(theirs->is_object(), "ours accepts what nlohmann::json reads as no object", text);
        }
    }
    check_edit(text, *doc, settings);
    return 0;
}
