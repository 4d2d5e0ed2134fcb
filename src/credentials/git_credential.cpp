#include "dev8/credentials/git_credential.h"

#include <istream>
#include <map>
#include <ostream>
#include <sstream>
#include <utility>

#include "dev8/fs/read_file.h"

namespace dev8::credentials {
namespace {

std::map<std::string, std::string> read_pairs(std::istream& in) {
    std::map<std::string, std::string> pairs;
    std::string line;
    while (std::getline(in, line) && !line.empty()) {
        auto eq = line.find('=');
        if (eq != std::string::npos) pairs[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return pairs;
}

// A value with a newline would let a line of its own be injected into git's protocol.
bool safe_value(const std::string& value) {
    return value.find('\n') == std::string::npos;
}

}  // namespace

std::string credential_path(const std::string& home) {
    return home + "/.config/dev8/github-credential";
}

std::expected<std::string, std::string> render_credential(const StoredCredential& c) {
    for (auto [field, value] : {std::pair{"host", &c.host}, std::pair{"login", &c.username},
                                std::pair{"token", &c.token}}) {
        if (value->find_first_of(std::string_view("\n\0", 2)) != std::string::npos) {
            return std::unexpected(std::string("the ") + field +
                                   " holds a line break or a NUL, which git's credential "
                                   "protocol cannot carry");
        }
    }
    return "host=" + c.host + "\nusername=" + c.username + "\npassword=" + c.token + "\n";
}

std::optional<StoredCredential> parse_credential(std::string_view text) {
    std::string copy(text);
    std::istringstream in(copy);
    auto pairs = read_pairs(in);
    if (!pairs.contains("host") || !pairs.contains("password")) return std::nullopt;
    return StoredCredential{pairs["host"], pairs["username"], pairs["password"]};
}

int serve_git_credential(std::string_view action, std::istream& in, std::ostream& out,
                         const std::string& home) {
    auto request = read_pairs(in);
    if (action != "get") return 0;
    if (request["protocol"] != "https") return 0;
    auto text = fs::read_file(credential_path(home), fs::kMaxKeyFile);
    if (!text || !*text) return 0;
    auto stored = parse_credential(**text);
    if (!stored || request["host"] != stored->host) return 0;
    if (!safe_value(stored->username) || !safe_value(stored->token)) return 0;
    out << "protocol=https\nhost=" << stored->host
        << "\nusername=" << (stored->username.empty() ? "x-access-token" : stored->username)
        << "\npassword=" << stored->token << "\n";
    return 0;
}

}  // namespace dev8::credentials
