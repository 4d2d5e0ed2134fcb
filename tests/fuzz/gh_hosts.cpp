// gh's hosts.yml as dev8-init reads it (credentials::gh_host_token, to skip a
// gh login that is already done) and writes it (credentials::with_gh_host,
// for a token gh's own login refuses).
//
// Input, NUL-separated: the host, the login, the token and the hosts.yml text.
//
// Invariants:
// - neither ever throws;
// - a token and login as GitHub issues them (printable, no blank) written for
//   a host read back as that token;
// - every other host whose token could be read before reads the same after.

#include <string>

#include "dev8/credentials/gh.h"
#include "dev8/fs/text.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
namespace credentials = dev8::credentials;

bool is_word(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (c <= ' ' || c > '~') return false;
    return true;
}

// A host as DEV8_GITHUB_HOST accepts it.
bool is_host(std::string_view host) {
    return !host.empty() &&
           host.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyz"
               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") == std::string_view::npos;
}

// The top-level keys of a hosts.yml: the hosts it names.
std::vector<std::string> hosts_in(std::string_view text) {
    std::vector<std::string> hosts;
    for (auto line : dev8::fs::lines(text)) {
        auto trimmed = dev8::fs::trim_end(line, "\r\n ");
        if (!trimmed.empty() && trimmed[0] != ' ' && trimmed[0] != '\t' && trimmed.ends_with(':'))
            hosts.emplace_back(trimmed.substr(0, trimmed.size() - 1));
    }
    return hosts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = dev8::fuzz::split_parts(dev8::fuzz::as_text(data, size), 4);
    std::string host(dev8::fuzz::part(parts, 0));
    std::string login(dev8::fuzz::part(parts, 1));
    std::string token(dev8::fuzz::part(parts, 2));
    std::string_view hosts_yml = dev8::fuzz::part(parts, 3);

    (void)credentials::gh_host_token(hosts_yml, host);
    if (!is_host(host)) return 0;
    auto written = credentials::with_gh_host(hosts_yml, host, login, token);
    if (is_word(token) && (login.empty() || is_word(login))) {
        check(credentials::gh_host_token(written, host) == token,
              "the token written for the host does not read back", written);
        for (const auto& other : hosts_in(hosts_yml)) {
            if (other == host || !is_host(other)) continue;
            check(credentials::gh_host_token(written, other) ==
                      credentials::gh_host_token(hosts_yml, other),
                  "another host's token changed", written);
        }
    }
    return 0;
}
