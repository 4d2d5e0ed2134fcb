#pragma once

#include <expected>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace dev8::credentials {

// The token as github-auth stores it for `dev8-init git-credential`: one file,
// mode 0600, owned by the developer, rewritten on rotation.
struct StoredCredential {
    std::string host;      // "github.com" or "HOST[:PORT]"
    std::string username;  // the token's login, or x-access-token
    std::string token;
};

std::string credential_path(const std::string& home);
// The file's text. A field holding a line break or a NUL is refused: it
// would make a line of its own, and a login "x\nhost=evil.example" would
// send the token to that host. The error names the field, never its value.
std::expected<std::string, std::string> render_credential(const StoredCredential& credential);
std::optional<StoredCredential> parse_credential(std::string_view text);

// git's credential helper protocol: reads key=value lines from `in`, and for
// `get` on https://<stored host> writes username and password to `out`.
// Anything else gets nothing, so git moves on to its next helper. `store`
// and `erase` are accepted and ignored: the token is dev8-init's to manage.
int serve_git_credential(std::string_view action, std::istream& in, std::ostream& out,
                         const std::string& home);

}  // namespace dev8::credentials
