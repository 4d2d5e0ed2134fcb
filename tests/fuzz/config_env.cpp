// The environment -> Config loader (config::load_config), as root and as an
// unprivileged developer.
//
// Input: NAME=VALUE entries separated by NUL bytes. The value of a secret's
// NAME_FILE is the file's content (the harness writes it and passes its path);
// "@missing" names a file that does not exist.
//
// Invariants:
// - loading never throws; every error names a variable that is set, and has
//   a message;
// - no error or warning holds a secret's value: each secret long enough to be
//   redacted carries a marker, which no message may show;
// - every such secret is registered with the redactor once loaded;
// - NAME together with NAME_FILE is an error naming NAME_FILE;
// - without errors, the Config keeps DESIGN.md §3's rules: absolute paths,
//   ports from 1 to 65535, durations in range, the API URL of the host, one-line
//   git identity, DEV8_VSCODE_SETTINGS an object, gh extensions OWNER/REPO, a
//   dotfiles URL that is no option and holds no credentials.

#include <array>
#include <map>
#include <string>

#include "dev8/config/config.h"
#include "dev8/log/redactor.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
namespace config = dev8::config;

constexpr std::array<std::string_view, 8> kSecretNames = {
    "GITHUB_TOKEN",      "GH_TOKEN",       "SSH_PUBLIC_KEY", "SSH_PRIVATE_KEY",
    "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "PASSWORD",       "HASHED_PASSWORD"};
constexpr std::string_view kMarker = "<<secret>>";
constexpr std::string_view kMissing = "@missing";

bool is_secret(std::string_view name) {
    if (name.ends_with("_FILE")) name.remove_suffix(5);
    for (auto secret : kSecretNames) {
        if (name == secret) return true;
    }
    return false;
}

// Text that is not a secret must not look like one.
std::string without_marker(std::string_view text) {
    std::string out(text);
    for (auto at = out.find(kMarker); at != std::string::npos; at = out.find(kMarker, at)) {
        out[at] = '[';
    }
    return out;
}

// Long enough to be redacted: marked, so that any message showing it is caught.
std::string secret_value(std::string_view value) {
    if (value.size() < dev8::log::Redactor::kMinLength) return std::string(value);
    return std::string(kMarker) + std::string(value);
}

struct World {
    dev8::fuzz::ScratchDir scratch;
    config::LoadOptions root;
    config::LoadOptions developer;

    World() {
        root.accounts = scratch.write_accounts();
        root.create_state_dir = false;
        developer = root;
        developer.uid = 1000;
        developer.gid = 1000;
    }
};

config::Environment environment(const World& world, std::string_view input) {
    std::map<std::string, std::string> vars;
    for (auto entry : dev8::fuzz::split_parts(input, 64)) {
        auto eq = entry.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        auto name = entry.substr(0, eq);
        auto value = entry.substr(eq + 1);
        if (!is_secret(name)) {
            vars[without_marker(name)] = without_marker(value);
        } else if (!name.ends_with("_FILE")) {
            vars[std::string(name)] = secret_value(value);
        } else if (value == kMissing) {
            vars[std::string(name)] = world.scratch.path() + "/no-such-file";
        } else {
            vars[std::string(name)] =
                world.scratch.write("secrets/" + std::string(name), secret_value(value));
        }
    }
    return config::Environment(std::move(vars));
}

bool is_set(const config::Environment& env, const std::string& name) {
    auto value = env.get(name);
    return value && !value->empty();
}

void check_messages(const config::Environment& env, const config::Loaded& loaded) {
    for (const auto& error : loaded.errors) {
        check(is_set(env, error.variable), "an error names no variable that is set",
              error.variable + ": " + error.message);
        check(!error.message.empty(), "an error without a message", error.variable);
        check(error.message.find(kMarker) == std::string::npos, "an error shows a secret",
              error.message);
    }
    for (const auto& warning : loaded.config.warnings) {
        check(warning.find(kMarker) == std::string::npos, "a warning shows a secret", warning);
    }
    for (auto name : kSecretNames) {
        std::string file = std::string(name) + "_FILE";
        if (!is_set(env, std::string(name)) || !is_set(env, file)) continue;
        bool reported = false;
        for (const auto& error : loaded.errors) reported |= error.variable == file;
        check(reported, "NAME and NAME_FILE together are not an error", file);
    }
}

void check_registered(const config::Secrets& secrets) {
    for (const auto* secret :
         {&secrets.github_token, &secrets.ssh_public_key, &secrets.ssh_private_key,
          &secrets.anthropic_api_key, &secrets.openai_api_key, &secrets.password,
          &secrets.hashed_password}) {
        if (!*secret || (*secret)->value.size() < dev8::log::Redactor::kMinLength) continue;
        const auto& value = (*secret)->value;
        check(dev8::log::redactor().redact(value).find(value) == std::string::npos,
              "a secret is not registered with the redactor", (*secret)->source);
    }
}

bool is_one_line(const std::optional<std::string>& text) {
    return !text || text->find_first_of("\r\n") == std::string::npos;
}

void check_valid_config(const config::Config& c) {
    for (const auto* path : {&c.workspace, &c.sshd_bin, &c.ssh_host_key_dir, &c.services_dir,
                             &c.init_dir, &c.dotfiles_dir}) {
        check(path->starts_with('/'), "a relative path in a valid config", *path);
    }
    check(c.code_server_port >= 1 && c.ssh_port >= 1, "port 0 in a valid config");
    auto api = c.github_host == "github.com" ? std::string("https://api.github.com")
                                             : "https://" + c.github_host + "/api/v3";
    check(c.github_api_url == api, "the API URL does not follow the host", c.github_api_url);
    check(is_one_line(c.git_user_name) && is_one_line(c.git_user_email),
          "a git identity with a line break");
    check(c.vscode_settings.is_object(), "DEV8_VSCODE_SETTINGS is not an object");
    using std::chrono::milliseconds;
    check(c.token_refresh_interval >= milliseconds(10) &&
              c.token_refresh_interval <= std::chrono::hours(24),
          "the token refresh interval is out of range");
    check(c.stop_timeout >= milliseconds(0) && c.stop_timeout <= std::chrono::hours(1),
          "the stop timeout is out of range");
    check(c.hook_timeout > milliseconds(0) && c.dotfiles_timeout > milliseconds(0),
          "a hook or dotfiles timeout of 0");
    auto url = c.dotfiles_url;
    check(url.empty() || !url.starts_with('-'), "a dotfiles URL git would take for an option", url);
    if (auto scheme = url.find("://"); scheme != std::string::npos && url.starts_with("http")) {
        auto authority = url.substr(scheme + 3, url.find('/', scheme + 3) - scheme - 3);
        check(authority.find('@') == std::string::npos, "a dotfiles URL with credentials", url);
    }
    for (const auto& extension : c.gh_extensions) {
        auto slash = extension.find('/');
        check(slash != std::string::npos && slash > 0 && slash + 1 < extension.size(),
              "a gh extension that is not OWNER/REPO", extension);
    }
}

void load_and_check(const config::Environment& env, const config::LoadOptions& options) {
    dev8::log::redactor().clear();
    auto loaded = config::load_config(env, options);
    check_messages(env, loaded);
    check_registered(loaded.config.secrets);
    if (loaded.errors.empty()) check_valid_config(loaded.config);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const World world;
    auto env = environment(world, dev8::fuzz::as_text(data, size));
    load_and_check(env, world.root);
    load_and_check(env, world.developer);
    dev8::log::redactor().clear();
    return 0;
}
