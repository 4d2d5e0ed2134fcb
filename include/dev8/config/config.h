#pragma once

#include <spdlog/common.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dev8/fs/accounts.h"
#include "dev8/log/logging.h"

namespace dev8::config {

// The process environment as a map, so loading can be tested without setenv.
class Environment {
  public:
    Environment() = default;
    explicit Environment(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
    static Environment from_process();

    std::optional<std::string> get(const std::string& name) const;
    const std::map<std::string, std::string>& vars() const { return vars_; }

  private:
    std::map<std::string, std::string> vars_;
};

enum class Toggle { Auto, On, Off };
enum class CodeServerAuth { Password, None };

// A secret and where it came from ("GITHUB_TOKEN", "GITHUB_TOKEN_FILE=/run/secrets/t").
struct Secret {
    std::string value;
    std::string source;
};

struct Secrets {
    std::optional<Secret> github_token;
    std::optional<std::string> github_token_file;  // kept for re-reading on SIGHUP and rotation
    std::optional<Secret> ssh_public_key;
    std::optional<Secret> ssh_private_key;
    std::optional<Secret> anthropic_api_key;
    std::optional<Secret> openai_api_key;
    std::optional<Secret> password;
    std::optional<Secret> hashed_password;
};

struct Config {
    Secrets secrets;
    std::optional<std::string> git_user_name;
    std::optional<std::string> git_user_email;
    fs::Account developer;
    std::string workspace = "/workspace";
    std::string github_host = "github.com";
    std::string github_api_url = "https://api.github.com";
    std::vector<std::string> gh_extensions;
    Toggle code_server = Toggle::Auto;
    Toggle sshd = Toggle::Auto;
    uint16_t code_server_port = 8080;
    uint16_t ssh_port = 2222;
    std::string code_server_bin = "code-server";
    std::string sshd_bin = "/usr/sbin/sshd";
    CodeServerAuth code_server_auth = CodeServerAuth::Password;
    std::string ssh_host_key_dir;
    nlohmann::json vscode_settings = nlohmann::json::object();
    std::chrono::milliseconds token_refresh_interval{300'000};
    std::chrono::milliseconds stop_timeout{8'000};
    // The idle stop (DESIGN.md §3): off while idle_timeout is zero.
    std::chrono::milliseconds idle_timeout{0};
    std::chrono::milliseconds idle_warning{300'000};
    std::string idle_action = "exit";
    // The developer's processes count as activity above this share of one CPU.
    double idle_cpu_percent = 5;
    std::string services_dir = "/etc/dev8/services.d";
    // The developer's dotfiles (DESIGN.md §4 dotfiles): the URL git clones
    // (OWNER/REPO already turned into https://HOST/OWNER/REPO.git), empty
    // when unset; the ref (empty: the remote's default branch); the install
    // command (empty: look for a script); the clone, absolute.
    std::string dotfiles_url;
    std::string dotfiles_ref;
    std::string dotfiles_install;
    std::string dotfiles_dir;
    std::chrono::milliseconds dotfiles_timeout{300'000};
    std::string init_dir = "/etc/dev8/init.d";  // the image's init hooks
    std::chrono::milliseconds hook_timeout{300'000};
    std::string state_dir;
    log::Format log_format = log::Format::Text;
    spdlog::level::level_enum log_level = spdlog::level::info;
    std::vector<std::string> warnings;  // not errors: e.g. an unknown DEV8_ variable
};

struct ConfigError {
    std::string variable;  // or the file's path
    std::string message;
};

struct LoadOptions {
    fs::AccountFiles accounts;
    uid_t uid = 0;
    gid_t gid = 0;
    bool create_state_dir = true;
};

LoadOptions process_load_options();

// What the environment says: every setting that could be read (its default
// where it could not), and every problem found.
struct Loaded {
    Config config;
    std::vector<ConfigError> errors;
};

// Reads every variable of DESIGN.md §3, reporting all problems at once.
// Secret values are registered with the redactor as soon as they are read.
Loaded load_config(const Environment& env, const LoadOptions& options);

// A NAME_FILE secret's value: the file's bytes without trailing \n or \r\n.
// The error names the file.
std::expected<std::string, std::string> read_secret_file(const std::string& path);

// What SIGHUP re-read: every NAME_FILE secret's value by NAME (registered
// with the redactor before anything can log it), and the files that could not
// be read, named.
struct ReloadedSecrets {
    std::map<std::string, Secret> values;
    std::vector<ConfigError> errors;
};
ReloadedSecrets reload_secret_files(const Environment& env);

// Only the logging variables, for the first log lines before the full load.
std::pair<log::Format, spdlog::level::level_enum> logging_settings(const Environment& env);

// Where the status socket lives, in the order DESIGN.md §10 gives.
std::vector<std::string> state_dir_candidates(const Environment& env, uid_t uid);

std::string_view to_string(Toggle toggle);

// A duration as the idle settings and `keepalive --for` take it: seconds
// ("90", "1.5"), or numbers with units ms, s, m, h, d ("30m", "1h30m",
// "500ms"). Nullopt when malformed, negative or over 366 days.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "1h30m", "45s", "250ms": a duration as people write it.
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace dev8::config
