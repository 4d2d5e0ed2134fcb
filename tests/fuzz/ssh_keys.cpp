// SSH key validation (ssh::parse_authorized_key, ssh::parse_private_key), as
// the ssh-keys step meets SSH_PUBLIC_KEY and SSH_PRIVATE_KEY.
//
// Input: the same bytes as SSH_PUBLIC_KEY (each line a key) and as
// SSH_PRIVATE_KEY.
//
// Invariants:
// - an accepted public key renders a line that is accepted again as the very
//   same key, options and comment, and renders to the same line;
// - an accepted private key is stored as LF-only text ending in one newline,
//   which parses again to the same key; its public half is a valid
//   authorized_keys line for the same key;
// - a rejection has a reason, and the reason never quotes the input (a
//   secret pasted by mistake must not reach a log): it holds no field of
//   the line but a key type name.

#include <libssh/libssh.h>

#include <string>
#include <string_view>
#include <vector>

#include "dev8/fs/text.h"
#include "dev8/ssh/keys.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
namespace ssh = dev8::ssh;

// Apart from the key type they name, reasons are lowercase words, none with
// another byte but OpenSSH and PEM, both shorter than this: a field this long
// with any byte but a-z can only be in a reason if the reason quotes it.
constexpr size_t kQuotable = 8;

bool is_quotable(std::string_view field) {
    return field.size() >= kQuotable &&
           field.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string_view::npos;
}

bool is_key_type_name(std::string_view field) {
    return ssh_key_type_from_name(std::string(field).c_str()) != SSH_KEYTYPE_UNKNOWN;
}

std::vector<std::string_view> fields_of(std::string_view text) {
    constexpr std::string_view kBlanks = " \t\r\n";
    std::vector<std::string_view> fields;
    for (size_t start = text.find_first_not_of(kBlanks); start != std::string_view::npos;) {
        auto end = std::min(text.find_first_of(kBlanks, start), text.size());
        fields.push_back(text.substr(start, end - start));
        start = text.find_first_not_of(kBlanks, end);
    }
    return fields;
}

// A reason may name the key type it found, and nothing else of the input.
void check_reason_quotes_nothing(std::string_view input, const std::string& reason) {
    check(!reason.empty(), "a rejection without a reason", input);
    auto fields = fields_of(input);
    std::string rest = reason;
    for (auto field : fields) {
        if (!is_key_type_name(field)) continue;
        for (auto at = rest.find(field); at != std::string::npos; at = rest.find(field, at)) {
            rest.erase(at, field.size());
        }
    }
    for (auto field : fields) {
        if (!is_quotable(field) || is_key_type_name(field)) continue;
        check(rest.find(field) == std::string::npos, "a reason quotes the input",
              reason + " <- " + std::string(field));
    }
}

bool same(const ssh::PublicKey& a, const ssh::PublicKey& b) {
    return a.options == b.options && a.type == b.type && a.base64 == b.base64 &&
           a.comment == b.comment;
}

void check_public_key(std::string_view line) {
    auto key = ssh::parse_authorized_key(line);
    if (!key) {
        check_reason_quotes_nothing(line, key.error());
        return;
    }
    check(!key->type.empty() && !key->base64.empty(), "an accepted key without type or data", line);
    auto rendered = key->line();
    auto again = ssh::parse_authorized_key(rendered);
    check(again.has_value(), "a key's own line is rejected",
          rendered + " -> " + (again ? "" : again.error()));
    check(same(*key, *again), "a key's own line reads as another key", rendered);
    check(again->line() == rendered, "rendering a key is not idempotent", rendered);
}

void check_private_key(std::string_view text) {
    auto key = ssh::parse_private_key(text);
    if (!key) {
        check_reason_quotes_nothing(text, key.error());
        return;
    }
    const auto& stored = key->text;
    check(stored.ends_with('\n') && !stored.ends_with("\n\n") &&
              stored.find('\r') == std::string::npos,
          "a private key is not stored as LF lines ending in one newline", stored);
    check(!key->file_name.empty(), "a private key without a file name");
    auto again = ssh::parse_private_key(stored);
    check(again.has_value(), "a stored private key is rejected", stored);
    check(again->text == stored && again->file_name == key->file_name &&
              same(again->public_key, key->public_key),
          "a stored private key reads as another key", stored);
    auto public_line = ssh::parse_authorized_key(key->public_key.line());
    check(public_line && public_line->same_key(key->public_key),
          "the public half of a private key is not a valid authorized_keys line",
          key->public_key.line());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto input = dev8::fuzz::as_text(data, size);
    for (auto line : dev8::fs::split(input, '\n')) check_public_key(line);
    check_private_key(input);
    return 0;
}
