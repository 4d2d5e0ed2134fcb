#include "dev8/config/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"
#include "dev8/log/redactor.h"

extern char** environ;

namespace dev8::config {
namespace {

namespace stdfs = std::filesystem;

const std::set<std::string, std::less<>> kKnownVariables = {
    "DEV8_USER",
    "DEV8_WORKSPACE",
    "DEV8_GITHUB_HOST",
    "DEV8_GH_EXTENSIONS",
    "DEV8_CODE_SERVER",
    "DEV8_SSHD",
    "DEV8_CODE_SERVER_PORT",
    "DEV8_SSH_PORT",
    "DEV8_CODE_SERVER_BIN",
    "DEV8_SSHD_BIN",
    "DEV8_CODE_SERVER_AUTH",
    "DEV8_SSH_HOST_KEY_DIR",
    "DEV8_VSCODE_SETTINGS",
    "DEV8_TOKEN_REFRESH_INTERVAL",
    "DEV8_STOP_TIMEOUT",
    "DEV8_SERVICES_DIR",
    "DEV8_STATE_DIR",
    "DEV8_LOG_FORMAT",
    "DEV8_LOG_LEVEL",
    "DEV8_IDLE_TIMEOUT",
    "DEV8_IDLE_WARNING",
    "DEV8_IDLE_ACTION",
    "DEV8_IDLE_CPU_PERCENT",
    "DEV8_INIT_DIR",
    "DEV8_HOOK_TIMEOUT",
    "DEV8_DOTFILES_REPO",
    "DEV8_DOTFILES_REF",
    "DEV8_DOTFILES_INSTALL",
    "DEV8_DOTFILES_DIR",
    "DEV8_DOTFILES_TIMEOUT",
};

// Every variable that holds a secret; each also has a NAME_FILE form.
constexpr const char* kSecretNames[] = {"GITHUB_TOKEN",    "GH_TOKEN",          "SSH_PUBLIC_KEY",
                                        "SSH_PRIVATE_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY",
                                        "PASSWORD",        "HASHED_PASSWORD"};

std::optional<double> parse_seconds(std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

bool is_valid_host(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos) {
        if (!parse_port(host.substr(colon + 1))) return false;
        host = host.substr(0, colon);
    }
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
}

bool is_valid_extension(std::string_view ext) {
    auto slash = ext.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == ext.size()) return false;
    return std::all_of(ext.begin(), ext.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
               c == '/';
    });
}

// OWNER/REPO on the GitHub host, or what git clones: a URL, scp-like
// host:path, or an absolute path.
std::expected<std::string, std::string> dotfiles_url(const std::string& repo,
                                                     const std::string& github_host) {
    auto quoted = "\"" + repo + "\"";
    if (repo.starts_with('-') || repo.find_first_of(" \t\n") != std::string::npos)
        return std::unexpected(quoted + " is not a git URL or OWNER/REPO");
    if (is_valid_extension(repo) && !repo.starts_with('/') && !repo.starts_with('.') &&
        std::count(repo.begin(), repo.end(), '/') == 1)
        return "https://" + github_host + "/" + repo + (repo.ends_with(".git") ? "" : ".git");
    auto scheme = repo.find("://");
    if (scheme != std::string::npos) {
        auto authority = repo.substr(scheme + 3, repo.find('/', scheme + 3) - scheme - 3);
        if (authority.find('@') != std::string::npos && repo.starts_with("http"))
            return std::unexpected(
                "holds credentials (USER:TOKEN@; not shown): give the token as GITHUB_TOKEN, "
                "git gets it from its credential helper");
        return repo;
    }
    if (repo.starts_with('/')) return repo;
    if (repo.find(':') != std::string::npos) return repo;  // git@host:owner/repo.git
    return std::unexpected(quoted + " is not a git URL or OWNER/REPO");
}

// Collects every problem instead of stopping at the first one.
class Loader {
  public:
    Loader(const Environment& env, const LoadOptions& options) : env_(env), options_(options) {}

    Loaded load() {
        load_secrets();
        load_identity();
        load_developer();
        load_paths();
        load_github();
        load_services();
        load_durations();
        load_logging();
        load_vscode_settings();
        warn_unknown_variables();
        return {std::move(config_), std::move(errors_)};
    }

  private:
    void error(std::string variable, std::string message) {
        errors_.push_back({std::move(variable), std::move(message)});
    }

    // An empty variable means unset: env files and compose's ${X:-} produce them.
    std::optional<std::string> get(const std::string& name) const {
        auto value = env_.get(name);
        if (value && value->empty()) return std::nullopt;
        return value;
    }

    // NAME or NAME_FILE, never both.
    std::optional<Secret> secret(const std::string& name) {
        auto value = get(name);
        auto file = get(name + "_FILE");
        if (value) register_secret(name, *value);
        if (value && file) {
            error(name + "_FILE", "set together with " + name + "; set only one of them");
            return std::nullopt;
        }
        if (value) return Secret{*value, name};
        if (!file) return std::nullopt;
        auto content = read_secret_file(*file);
        if (!content) {
            error(name + "_FILE", content.error());
            return std::nullopt;
        }
        register_secret(name + "_FILE", *content);
        if (content->empty()) return std::nullopt;
        return Secret{*content, name + "_FILE=" + *file};
    }

    // Shorter values would mask ordinary words all over the log instead of a secret.
    void register_secret(const std::string& name, const std::string& value) {
        if (value.size() >= log::Redactor::kMinLength) {
            log::redactor().add(value);
        } else if (!value.empty()) {
            config_.warnings.push_back(fmt::format(
                "{} is shorter than {} characters: too short to be told apart in logs, so it is "
                "not redacted; use a longer value",
                name, log::Redactor::kMinLength));
        }
    }

    void load_secrets() {
        auto& s = config_.secrets;
        auto github = secret("GITHUB_TOKEN");
        auto gh = secret("GH_TOKEN");
        if (github && gh && github->value != gh->value) {
            // Named as set: GH_TOKEN or GH_TOKEN_FILE, GITHUB_TOKEN or GITHUB_TOKEN_FILE.
            auto variable = [](const Secret& s) { return s.source.substr(0, s.source.find('=')); };
            error(variable(*gh), "differs from " + variable(*github) +
                                     "; GH_TOKEN is an alias of GITHUB_TOKEN, set only one");
        }
        s.github_token = github ? github : gh;
        if (auto file = get("GITHUB_TOKEN_FILE"))
            s.github_token_file = file;
        else if (auto alias = get("GH_TOKEN_FILE"))
            s.github_token_file = alias;
        s.ssh_public_key = secret("SSH_PUBLIC_KEY");
        s.ssh_private_key = secret("SSH_PRIVATE_KEY");
        s.anthropic_api_key = secret("ANTHROPIC_API_KEY");
        s.openai_api_key = secret("OPENAI_API_KEY");
        s.password = secret("PASSWORD");
        s.hashed_password = secret("HASHED_PASSWORD");
    }

    void load_identity() {
        for (auto [name, field] : {std::pair{"GIT_USER_NAME", &config_.git_user_name},
                                   std::pair{"GIT_USER_EMAIL", &config_.git_user_email}}) {
            auto value = get(name);
            if (!value || value->empty()) continue;
            if (value->find('\n') != std::string::npos || value->find('\r') != std::string::npos) {
                error(name, "must be one line (it contains a line break)");
                continue;
            }
            *field = *value;
        }
    }

    void load_developer() {
        bool root = options_.uid == 0;
        auto invoking = fs::find_account(options_.uid, options_.accounts);
        auto self =
            invoking ? *invoking
                     : fs::anonymous_account(options_.uid, options_.gid, get("HOME").value_or("/"));
        auto requested = get("DEV8_USER");
        if (requested && !requested->empty()) {
            auto account = fs::find_account(*requested, options_.accounts);
            if (!account) {
                error("DEV8_USER", "no user \"" + *requested + "\" in " + options_.accounts.passwd);
            } else if (!root && account->uid != options_.uid) {
                error("DEV8_USER", "is \"" + *requested + "\" but dev8-init runs as uid " +
                                       std::to_string(options_.uid) +
                                       " and needs root to act as another user");
            } else {
                config_.developer = *account;
            }
            return;
        }
        auto dev8 = root ? fs::find_account("dev8", options_.accounts) : std::nullopt;
        config_.developer = dev8 ? *dev8 : self;
    }

    void load_paths() {
        if (auto ws = get("DEV8_WORKSPACE")) {
            if (!ws->starts_with('/'))
                error("DEV8_WORKSPACE", "must be an absolute path");
            else
                config_.workspace = *ws;
        }
        if (auto bin = get("DEV8_SSHD_BIN")) {
            if (!bin->starts_with('/'))
                error("DEV8_SSHD_BIN", "must be an absolute path (sshd refuses a relative one)");
            else
                config_.sshd_bin = *bin;
        }
        if (auto bin = get("DEV8_CODE_SERVER_BIN")) {
            if (bin->empty())
                error("DEV8_CODE_SERVER_BIN", "is empty");
            else
                config_.code_server_bin = *bin;
        }
        config_.ssh_host_key_dir = config_.developer.home + "/.local/state/dev8/ssh";
        if (auto dir = get("DEV8_SSH_HOST_KEY_DIR")) {
            if (!dir->starts_with('/'))
                error("DEV8_SSH_HOST_KEY_DIR", "must be an absolute path");
            else
                config_.ssh_host_key_dir = *dir;
        }
        if (auto dir = get("DEV8_INIT_DIR")) {
            if (!dir->starts_with('/'))
                error("DEV8_INIT_DIR", "must be an absolute path");
            else
                config_.init_dir = *dir;
        }
        if (auto dir = get("DEV8_SERVICES_DIR")) {
            if (!dir->starts_with('/'))
                error("DEV8_SERVICES_DIR", "must be an absolute path");
            else
                config_.services_dir = *dir;
        }
        load_state_dir();
    }

    void load_state_dir() {
        auto explicit_dir = get("DEV8_STATE_DIR");
        if (explicit_dir && !explicit_dir->starts_with('/')) {
            error("DEV8_STATE_DIR", "must be an absolute path");
            return;
        }
        auto candidates = state_dir_candidates(env_, options_.uid);
        if (!options_.create_state_dir) {
            config_.state_dir = candidates.front();
            return;
        }
        for (const auto& dir : candidates) {
            std::error_code ec;
            stdfs::create_directories(dir, ec);
            if (!ec && ::access(dir.c_str(), W_OK | X_OK) == 0) {
                config_.state_dir = dir;
                return;
            }
            if (explicit_dir) {
                error("DEV8_STATE_DIR",
                      "cannot create or write " + dir + (ec ? ": " + ec.message() : ""));
                return;
            }
        }
        error("DEV8_STATE_DIR",
              "no writable state directory among /run/dev8, "
              "$XDG_RUNTIME_DIR/dev8 and /tmp; set DEV8_STATE_DIR");
    }

    void load_github() {
        if (auto host = get("DEV8_GITHUB_HOST")) {
            if (!is_valid_host(*host)) {
                error("DEV8_GITHUB_HOST",
                      "\"" + *host + "\" is not a host name (HOST or HOST:PORT)");
            } else {
                config_.github_host = *host;
            }
        }
        config_.github_api_url = config_.github_host == "github.com"
                                     ? "https://api.github.com"
                                     : "https://" + config_.github_host + "/api/v3";
        if (auto list = get("DEV8_GH_EXTENSIONS")) {
            for (auto part : fs::split(*list, ',')) {
                std::string item(fs::trim(part));
                if (item.empty()) continue;
                if (is_valid_extension(item))
                    config_.gh_extensions.push_back(item);
                else
                    error("DEV8_GH_EXTENSIONS", "\"" + item + "\" is not OWNER/REPO");
            }
        }
    }

    void toggle(const char* name, Toggle& field) {
        auto value = get(name);
        if (!value) return;
        if (*value == "auto")
            field = Toggle::Auto;
        else if (*value == "on")
            field = Toggle::On;
        else if (*value == "off")
            field = Toggle::Off;
        else
            error(name, "\"" + *value + "\" must be auto, on or off");
    }

    void port(const char* name, uint16_t& field) {
        auto value = get(name);
        if (!value) return;
        if (auto p = parse_port(*value))
            field = *p;
        else
            error(name, "\"" + *value + "\" is not a port number from 1 to 65535");
    }

    void load_services() {
        toggle("DEV8_CODE_SERVER", config_.code_server);
        toggle("DEV8_SSHD", config_.sshd);
        port("DEV8_CODE_SERVER_PORT", config_.code_server_port);
        port("DEV8_SSH_PORT", config_.ssh_port);
        if (auto auth = get("DEV8_CODE_SERVER_AUTH")) {
            if (*auth == "password")
                config_.code_server_auth = CodeServerAuth::Password;
            else if (*auth == "none")
                config_.code_server_auth = CodeServerAuth::None;
            else
                error("DEV8_CODE_SERVER_AUTH", "\"" + *auth + "\" must be password or none");
        }
    }

    void duration(const char* name, std::chrono::milliseconds& field, double min, double max) {
        auto value = get(name);
        if (!value) return;
        auto seconds = parse_seconds(*value);
        if (!seconds || *seconds < min || *seconds > max) {
            error(name, fmt::format("\"{}\" must be a number of seconds from {} to {}", *value, min,
                                    max));
            return;
        }
        field = std::chrono::milliseconds(static_cast<int64_t>(std::llround(*seconds * 1000)));
    }

    void load_durations() {
        duration("DEV8_TOKEN_REFRESH_INTERVAL", config_.token_refresh_interval, 0.01, 86400);
        duration("DEV8_STOP_TIMEOUT", config_.stop_timeout, 0, 3600);
        load_idle();
        load_hooks();
        load_dotfiles();
    }

    void duration_with_units(const char* name, std::chrono::milliseconds& field) {
        auto value = get(name);
        if (!value) return;
        if (auto parsed = parse_duration(*value))
            field = *parsed;
        else
            error(name, "\"" + *value + "\" must be seconds or a duration like 30m, 2h or 1h30m");
    }

    // A URL git clones, never one with credentials in it (they would sit in
    // git's argv and config): the token reaches git through its helper.
    void load_dotfiles() {
        config_.dotfiles_dir = config_.developer.home + "/.dotfiles";
        if (auto dir = get("DEV8_DOTFILES_DIR")) {
            if (dir->starts_with("~/"))
                config_.dotfiles_dir = config_.developer.home + dir->substr(1);
            else if (dir->starts_with('/'))
                config_.dotfiles_dir = *dir;
            else
                error("DEV8_DOTFILES_DIR", "must be an absolute path or start with ~/");
        }
        duration_with_units("DEV8_DOTFILES_TIMEOUT", config_.dotfiles_timeout);
        if (config_.dotfiles_timeout.count() <= 0) {
            error("DEV8_DOTFILES_TIMEOUT", "must be more than 0");
            config_.dotfiles_timeout = std::chrono::minutes(5);
        }
        if (auto ref = get("DEV8_DOTFILES_REF")) {
            if (ref->starts_with('-') || ref->find_first_of(" \t\n~^:?*[\\") != std::string::npos)
                error("DEV8_DOTFILES_REF", "\"" + *ref + "\" is not a branch, tag or commit");
            else
                config_.dotfiles_ref = *ref;
        }
        if (auto install = get("DEV8_DOTFILES_INSTALL")) config_.dotfiles_install = *install;
        auto repo = get("DEV8_DOTFILES_REPO");
        if (!repo) return;
        if (auto url = dotfiles_url(*repo, config_.github_host))
            config_.dotfiles_url = *url;
        else
            error("DEV8_DOTFILES_REPO", url.error());
    }

    void load_hooks() {
        duration_with_units("DEV8_HOOK_TIMEOUT", config_.hook_timeout);
        if (config_.hook_timeout.count() <= 0) {
            error("DEV8_HOOK_TIMEOUT", "must be more than 0");
            config_.hook_timeout = std::chrono::minutes(5);
        }
    }

    void load_idle() {
        duration_with_units("DEV8_IDLE_TIMEOUT", config_.idle_timeout);
        duration_with_units("DEV8_IDLE_WARNING", config_.idle_warning);
        if (auto action = get("DEV8_IDLE_ACTION")) config_.idle_action = *action;
        if (auto cpu = get("DEV8_IDLE_CPU_PERCENT")) {
            auto value = parse_seconds(*cpu);
            if (value && *value > 0 && *value <= 100'000)
                config_.idle_cpu_percent = *value;
            else
                error("DEV8_IDLE_CPU_PERCENT",
                      "\"" + *cpu + "\" must be a percentage of one CPU above 0 (e.g. 5)");
        }
    }

    void load_logging() {
        if (auto f = get("DEV8_LOG_FORMAT")) {
            if (auto format = log::parse_format(*f))
                config_.log_format = *format;
            else
                error("DEV8_LOG_FORMAT", "\"" + *f + "\" must be text or json");
        }
        if (auto l = get("DEV8_LOG_LEVEL")) {
            if (auto level = log::parse_level(*l))
                config_.log_level = *level;
            else
                error("DEV8_LOG_LEVEL", "\"" + *l + "\" must be trace, debug, info, warn or error");
        }
    }

    void load_vscode_settings() {
        auto text = get("DEV8_VSCODE_SETTINGS");
        if (!text || fs::trim(*text).empty()) return;
        auto doc = nlohmann::json::parse(*text, nullptr, false, true);
        if (doc.is_discarded() || !doc.is_object()) {
            error("DEV8_VSCODE_SETTINGS", "must be a JSON object, e.g. {\"editor.tabSize\": 2}");
            return;
        }
        config_.vscode_settings = std::move(doc);
    }

    void warn_unknown_variables() {
        for (const auto& [name, _] : env_.vars()) {
            if (name.starts_with("DEV8_") && !kKnownVariables.contains(name)) {
                config_.warnings.push_back(name + " is not a dev8-init variable; ignored");
            }
        }
    }

    const Environment& env_;
    const LoadOptions& options_;
    Config config_;
    std::vector<ConfigError> errors_;
};

}  // namespace

Environment Environment::from_process() {
    std::map<std::string, std::string> vars;
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry(*e);
        auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        vars.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
    return Environment(std::move(vars));
}

std::optional<std::string> Environment::get(const std::string& name) const {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
}

std::expected<std::string, std::string> read_secret_file(const std::string& path) {
    auto content = fs::read_file(path, fs::kMaxSecretFile, fs::Links::Follow);
    if (!content) return std::unexpected(content.error());
    if (!*content) return std::unexpected(path + ": no such file");
    return std::string(fs::trim_end(**content, "\r\n"));
}

ReloadedSecrets reload_secret_files(const Environment& env) {
    ReloadedSecrets reloaded;
    for (const char* name : kSecretNames) {
        auto variable = std::string(name) + "_FILE";
        auto path = env.get(variable);
        if (!path || path->empty()) continue;
        auto content = read_secret_file(*path);
        if (!content) {
            reloaded.errors.push_back({variable, content.error()});
            continue;
        }
        if (content->size() >= log::Redactor::kMinLength) log::redactor().add(*content);
        reloaded.values[name] = Secret{std::move(*content), variable + "=" + *path};
    }
    return reloaded;
}

LoadOptions process_load_options() {
    LoadOptions options;
    options.uid = ::getuid();
    options.gid = ::getgid();
    return options;
}

Loaded load_config(const Environment& env, const LoadOptions& options) {
    return Loader(env, options).load();
}

std::pair<log::Format, spdlog::level::level_enum> logging_settings(const Environment& env) {
    auto format = log::parse_format(env.get("DEV8_LOG_FORMAT").value_or("text"));
    auto level = log::parse_level(env.get("DEV8_LOG_LEVEL").value_or("info"));
    return {format.value_or(log::Format::Text), level.value_or(spdlog::level::info)};
}

std::vector<std::string> state_dir_candidates(const Environment& env, uid_t uid) {
    if (auto dir = env.get("DEV8_STATE_DIR"); dir && !dir->empty()) return {*dir};
    std::vector<std::string> dirs = {"/run/dev8"};
    if (auto xdg = env.get("XDG_RUNTIME_DIR"); xdg && xdg->starts_with('/')) {
        dirs.push_back(*xdg + "/dev8");
    }
    dirs.push_back("/tmp/dev8-" + std::to_string(uid));
    return dirs;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    constexpr double kMaxMs = 366.0 * 86'400'000;
    if (text.empty() || text.size() > 64) return std::nullopt;
    if (auto seconds = parse_seconds(text)) {
        if (*seconds < 0 || *seconds * 1000 > kMaxMs) return std::nullopt;
        return std::chrono::milliseconds(std::llround(*seconds * 1000));
    }
    double total = 0;
    while (!text.empty()) {
        size_t digits = 0;
        while (digits < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
            ++digits;
        size_t unit = digits;
        while (unit < text.size() && std::isalpha(static_cast<unsigned char>(text[unit]))) ++unit;
        if (digits == 0 || unit == digits) return std::nullopt;
        auto number = parse_seconds(text.substr(0, digits));
        if (!number) return std::nullopt;
        auto name = text.substr(digits, unit - digits);
        double scale = name == "ms"  ? 1
                       : name == "s" ? 1e3
                       : name == "m" ? 6e4
                       : name == "h" ? 3.6e6
                       : name == "d" ? 8.64e7
                                     : 0;
        if (scale == 0) return std::nullopt;
        total += *number * scale;
        if (total > kMaxMs) return std::nullopt;
        text.remove_prefix(unit);
    }
    return std::chrono::milliseconds(std::llround(total));
}

std::string format_duration(std::chrono::milliseconds duration) {
    auto ms = duration.count();
    if (ms <= 0) return "0s";
    if (ms < 1000) return fmt::format("{}ms", ms);
    if (ms % 1000 != 0 && ms < 60'000)
        return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000);
    auto s = ms / 1000;
    std::string out;
    for (auto [unit, seconds] : {std::pair{'d', 86'400}, {'h', 3600}, {'m', 60}}) {
        if (s < seconds) continue;
        out += fmt::format("{}{}", s / seconds, unit);
        s %= seconds;
    }
    if (s > 0 || out.empty()) out += fmt::format("{}s", s);
    return out;
}

std::string_view to_string(Toggle toggle) {
    switch (toggle) {
        case Toggle::Auto:
            return "auto";
        case Toggle::On:
            return "on";
        case Toggle::Off:
            return "off";
    }
    return "auto";
}

}  // namespace dev8::config
