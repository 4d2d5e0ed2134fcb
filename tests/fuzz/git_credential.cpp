// `dev8-init git-credential` (credentials::serve_git_credential): git's
// request on stdin, the stored credential as the github-auth step or the
// token refresh writes it.
//
// Input, NUL-separated: the GitHub host, the login, the token, the action
// and git's request. A host that DEV8_GITHUB_HOST would refuse becomes
// github.com.
//
// Invariants:
// - it never fails and never throws;
// - it answers only `get` for https on the configured host, and then with
//   exactly protocol, host, username and password lines: that host, the
//   stored login (x-access-token without one) and the stored token;
// - in no case does a password go to another host, whatever the request,
//   the login or the token hold: a login or token that would add lines to
//   the stored file is refused, with a reason.

#include "dev8/credentials/git_credential.h"

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "dev8/fs/text.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
namespace credentials = dev8::credentials;

bool is_host(std::string_view host) {
    return !host.empty() &&
           host.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyz"
               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") == std::string_view::npos;
}

// The answer as key -> value, checking that it is git's line format.
std::map<std::string, std::string> answer_pairs(const std::string& answer) {
    std::map<std::string, std::string> pairs;
    check(answer.ends_with('\n'), "an answer that does not end its last line", answer);
    for (auto line : dev8::fs::lines(answer)) {
        line.remove_suffix(1);
        auto eq = line.find('=');
        check(eq != std::string_view::npos && eq > 0, "an answer line is not key=value", line);
        auto [_, fresh] = pairs.emplace(line.substr(0, eq), line.substr(eq + 1));
        check(fresh, "an answer repeats a key", answer);
    }
    return pairs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const dev8::fuzz::ScratchDir home;
    auto parts = dev8::fuzz::split_parts(dev8::fuzz::as_text(data, size), 5);
    std::string host(is_host(dev8::fuzz::part(parts, 0)) ? parts[0] : "github.com");
    credentials::StoredCredential stored{host, std::string(dev8::fuzz::part(parts, 1)),
                                         std::string(dev8::fuzz::part(parts, 2))};
    std::string action(dev8::fuzz::part(parts, 3));
    std::string request(dev8::fuzz::part(parts, 4));

    // What cannot be stored is not: then git must get nothing.
    auto text = credentials::render_credential(stored);
    std::error_code ignored;
    std::filesystem::remove(credentials::credential_path(home.path()), ignored);
    if (text) {
        home.write(".config/dev8/github-credential", *text);
    } else {
        check(!text.error().empty() && text.error().find('\n') == std::string::npos,
              "a refusal without a one-line reason", text.error());
    }
    std::istringstream in(request);
    std::ostringstream out;
    check(credentials::serve_git_credential(action, in, out, home.path()) == 0,
          "the helper failed");
    auto answer = out.str();
    if (answer.empty()) return 0;

    check(text.has_value(), "an answer although no credential was stored", answer);
    check(action == "get", "an answer to an action other than get", action);
    auto pairs = answer_pairs(answer);
    check(pairs.size() == 4 && pairs["protocol"] == "https",
          "the answer is not protocol, host, username and password", answer);
    check(pairs["host"] == host, "a password for another host than the configured one", answer);
    check(pairs["password"] == stored.token, "a password that is not the stored token", answer);
    auto username = stored.username.empty() ? "x-access-token" : stored.username;
    check(pairs["username"] == username, "a username that is not the stored login", answer);
    return 0;
}
