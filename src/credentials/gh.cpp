#include "dev8/credentials/gh.h"

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"

namespace dev8::credentials {
namespace {

using namespace std::chrono_literals;

// gh reads these before its own stored token, and refuses to log in while they are set.
std::map<std::string, std::string> gh_env(const std::string& host) {
    return {{"GH_HOST", host}, {"GH_PROMPT_DISABLED", "1"}, {"GH_NO_UPDATE_NOTIFIER", "1"}};
}

bool has_port(const std::string& host) {
    return host.find(':') != std::string::npos;
}

// gh's login insists on read:org; the token still works for gh's other
// commands, so gh gets it the way its own login would have stored it.
std::expected<std::string, std::string> write_gh_hosts(const std::string& home,
                                                       const std::string& host,
                                                       const github::TokenCheck& check,
                                                       const std::string& token) {
    auto dir = home + "/.config/gh";
    if (auto made = fs::ensure_directory(dir, 0700); !made) return std::unexpected(made.error());
    auto path = dir + "/hosts.yml";
    auto existing = fs::read_file(path, fs::kMaxTextFile);
    if (!existing) return std::unexpected(existing.error());
    auto text = with_gh_host(existing->value_or(""), host, check.login, token);
    if (auto written = fs::write_file_atomic(path, text, 0600); !written) {
        return std::unexpected(written.error());
    }
    return "gh configured directly (the token lacks read:org, which gh auth login requires)";
}

}  // namespace

std::expected<std::string, std::string> log_gh_in(const process::CommandRunner& gh,
                                                  const std::string& home, const std::string& host,
                                                  const github::TokenCheck& check,
                                                  const std::string& token) {
    if (!process::find_command("gh")) return "gh not installed";
    // Read where gh keeps it, rather than start gh once more only to ask.
    auto hosts = fs::read_file(home + "/.config/gh/hosts.yml", fs::kMaxTextFile);
    if (hosts && *hosts && gh_host_token(**hosts, host) == token) return "gh already logged in";
    auto env = gh_env(host);
    std::vector<std::string> argv = {"gh", "auth", "login", "--with-token"};
    if (!has_port(host)) argv.insert(argv.end(), {"--hostname", host});
    auto login = gh.run(argv, env, token + "\n", 60s);
    if (!login) return std::unexpected("gh: " + login.error().message);
    if (login->exit.success()) return "gh logged in";
    if (login->err.find("read:org") == std::string::npos) {
        return std::unexpected("gh auth login failed: " + process::first_line(*login));
    }
    return write_gh_hosts(home, host, check, token);
}

std::string gh_host_token(std::string_view hosts_yml, const std::string& host) {
    constexpr std::string_view kKey = "    oauth_token: ";
    bool in_our_block = false;
    for (auto line : fs::lines(hosts_yml)) {
        auto text = fs::trim_end(line, "\r\n");
        bool top_level = !text.empty() && text[0] != ' ' && text[0] != '\t';
        if (top_level) in_our_block = fs::trim_end(text, " ") == host + ":";
        if (in_our_block && text.starts_with(kKey)) return std::string(text.substr(kKey.size()));
    }
    return "";
}

std::string with_gh_host(std::string_view hosts_yml, const std::string& host,
                         const std::string& login, const std::string& token) {
    std::string kept;
    bool in_our_block = false;
    for (auto line : fs::lines(hosts_yml)) {
        bool top_level = line[0] != ' ' && line[0] != '\t' && line[0] != '\n';
        if (top_level) in_our_block = fs::trim_end(line, "\r\n ") == host + ":";
        if (!in_our_block) kept += line;
    }
    if (!kept.empty() && kept.back() != '\n') kept += '\n';
    return kept + host + ":\n    oauth_token: " + token +
           "\n    user: " + (login.empty() ? "x-access-token" : login) +
           "\n    git_protocol: https\n";
}

}  // namespace dev8::credentials
