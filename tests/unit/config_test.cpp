#include "dev8/config/config.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "dev8/log/redactor.h"
#include "temp_dir.h"

using namespace dev8::config;

namespace {

struct Fixture {
    TempDir dir;
    LoadOptions options;

    explicit Fixture(uid_t uid = 0) {
        options.accounts.passwd = dir.write("passwd",
                                            "root:x:0:0:root:/root:/bin/bash\n"
                                            "dev8:x:1000:1000::/home/dev8:/bin/bash\n"
                                            "alice:x:1001:1001::/home/alice:/bin/zsh\n");
        options.accounts.group = dir.write("group", "dev8:x:1000:\nalice:x:1001:\n");
        options.uid = uid;
        options.gid = uid;
        options.create_state_dir = true;
    }

    std::map<std::string, std::string> base() const {
        return {{"DEV8_STATE_DIR", dir.str() + "/state"},
                {"DEV8_SERVICES_DIR", dir.str() + "/services.d"}};
    }

    std::expected<Config, std::vector<ConfigError>> load(std::map<std::string, std::string> vars) {
        auto all = base();
        for (auto& [k, v] : vars) all[k] = v;
        auto loaded = load_config(Environment(all), options);
        if (!loaded.errors.empty()) return std::unexpected(loaded.errors);
        return loaded.config;
    }
};

std::vector<std::string> variables(const std::vector<ConfigError>& errors) {
    std::vector<std::string> names;
    for (const auto& e : errors) names.push_back(e.variable);
    return names;
}

}  // namespace

TEST_CASE("defaults apply when nothing is set") {
    Fixture f;
    auto config = f.load({});
    REQUIRE(config);
    CHECK(config->developer.name == "dev8");
    CHECK(config->workspace == "/workspace");
    CHECK(config->github_api_url == "https://api.github.com");
    CHECK(config->code_server_port == 8080);
    CHECK(config->ssh_port == 2222);
    CHECK(config->stop_timeout == std::chrono::seconds(8));
    CHECK(config->token_refresh_interval == std::chrono::seconds(300));
    CHECK(config->ssh_host_key_dir == "/home/dev8/.local/state/dev8/ssh");
    CHECK(config->sshd_bin == "/usr/sbin/sshd");
    CHECK(std::filesystem::is_directory(f.dir.path / "state"));
}

TEST_CASE("every invalid variable is reported at once") {
    Fixture f;
    auto config = f.load({{"DEV8_STOP_TIMEOUT", "abc"},
                          {"DEV8_SSH_PORT", "0"},
                          {"DEV8_CODE_SERVER_PORT", "70000"},
                          {"DEV8_LOG_FORMAT", "xml"},
                          {"DEV8_LOG_LEVEL", "loud"},
                          {"DEV8_CODE_SERVER", "maybe"},
                          {"DEV8_CODE_SERVER_AUTH", "oauth"},
                          {"DEV8_SSHD_BIN", "sshd"},
                          {"DEV8_VSCODE_SETTINGS", "[1,2]"},
                          {"DEV8_GITHUB_HOST", "bad host"},
                          {"DEV8_GH_EXTENSIONS", "github/gh-copilot, nonsense"},
                          {"DEV8_TOKEN_REFRESH_INTERVAL", "-1"},
                          {"DEV8_USER", "nobody"},
                          {"GIT_USER_NAME", "two\nlines"}});
    REQUIRE_FALSE(config);
    auto names = variables(config.error());
    for (const char* expected :
         {"DEV8_STOP_TIMEOUT", "DEV8_SSH_PORT", "DEV8_CODE_SERVER_PORT", "DEV8_LOG_FORMAT",
          "DEV8_LOG_LEVEL", "DEV8_CODE_SERVER", "DEV8_CODE_SERVER_AUTH", "DEV8_SSHD_BIN",
          "DEV8_VSCODE_SETTINGS", "DEV8_GITHUB_HOST", "DEV8_GH_EXTENSIONS",
          "DEV8_TOKEN_REFRESH_INTERVAL", "DEV8_USER", "GIT_USER_NAME"}) {
        INFO(expected);
        CHECK(std::find(names.begin(), names.end(), expected) != names.end());
    }
}

TEST_CASE("a secret file is read with its trailing newline stripped and registered") {
    Fixture f;
    auto file = f.dir.write("token", "ghp_fromfile_0123456789\r\n");
    auto config = f.load({{"GITHUB_TOKEN_FILE", file}});
    REQUIRE(config);
    REQUIRE(config->secrets.github_token);
    CHECK(config->secrets.github_token->value == "ghp_fromfile_0123456789");
    CHECK(config->secrets.github_token_file == file);
    CHECK(dev8::log::redactor().redact("x ghp_fromfile_0123456789") == "x [redacted]");
}

TEST_CASE("a secret set both directly and as a file is an error naming the _FILE variable") {
    Fixture f;
    auto file = f.dir.write("key", "sk-ant-file");
    auto config = f.load({{"ANTHROPIC_API_KEY", "sk-ant-env"}, {"ANTHROPIC_API_KEY_FILE", file}});
    REQUIRE_FALSE(config);
    CHECK(variables(config.error()) == std::vector<std::string>{"ANTHROPIC_API_KEY_FILE"});
}

TEST_CASE("an unreadable secret file is an error naming the variable and the file") {
    Fixture f;
    auto config = f.load({{"OPENAI_API_KEY_FILE", "/nonexistent/key"}});
    REQUIRE_FALSE(config);
    REQUIRE(config.error().size() == 1);
    CHECK(config.error()[0].variable == "OPENAI_API_KEY_FILE");
    CHECK_THAT(config.error()[0].message, Catch::Contains("/nonexistent/key"));
}

TEST_CASE("GH_TOKEN is an alias of GITHUB_TOKEN") {
    Fixture f;
    auto config = f.load({{"GH_TOKEN", "ghp_alias_token"}});
    REQUIRE(config);
    CHECK(config->secrets.github_token->value == "ghp_alias_token");
    auto conflict = f.load({{"GH_TOKEN", "ghp_one_token"}, {"GITHUB_TOKEN", "ghp_two_token"}});
    REQUIRE_FALSE(conflict);
    CHECK(variables(conflict.error()) == std::vector<std::string>{"GH_TOKEN"});
    // The conflict names the variable as set.
    auto file = f.dir.write("alias", "ghp_alias_from_file\n");
    auto from_file = f.load({{"GITHUB_TOKEN", "ghp_two_token"}, {"GH_TOKEN_FILE", file}});
    REQUIRE_FALSE(from_file);
    CHECK(variables(from_file.error()) == std::vector<std::string>{"GH_TOKEN_FILE"});
}

TEST_CASE("a GitHub Enterprise host uses its /api/v3 API") {
    Fixture f;
    auto config = f.load({{"DEV8_GITHUB_HOST", "localhost:8443"}});
    REQUIRE(config);
    CHECK(config->github_api_url == "https://localhost:8443/api/v3");
}

TEST_CASE("the developer defaults to the invoking user when dev8 is absent or we are not root") {
    Fixture f(1001);
    auto config = f.load({});
    REQUIRE(config);
    CHECK(config->developer.name == "alice");
    auto other = f.load({{"DEV8_USER", "dev8"}});
    REQUIRE_FALSE(other);
    CHECK(variables(other.error()) == std::vector<std::string>{"DEV8_USER"});
}

TEST_CASE("fractional seconds are accepted for the stop timeout") {
    Fixture f;
    auto config = f.load({{"DEV8_STOP_TIMEOUT", "0.5"}, {"DEV8_TOKEN_REFRESH_INTERVAL", "1"}});
    REQUIRE(config);
    CHECK(config->stop_timeout == std::chrono::milliseconds(500));
    CHECK(config->token_refresh_interval == std::chrono::seconds(1));
}

TEST_CASE("the idle settings take seconds or durations with units") {
    Fixture f;
    auto config = f.load({{"DEV8_IDLE_TIMEOUT", "1h30m"},
                          {"DEV8_IDLE_WARNING", "90"},
                          {"DEV8_IDLE_ACTION", "curl -X POST http://scaler/down"},
                          {"DEV8_IDLE_CPU_PERCENT", "12.5"}});
    REQUIRE(config);
    CHECK(config->idle_timeout == std::chrono::minutes(90));
    CHECK(config->idle_warning == std::chrono::seconds(90));
    CHECK(config->idle_action == "curl -X POST http://scaler/down");
    CHECK(config->idle_cpu_percent == 12.5);
    auto defaults = f.load({});
    REQUIRE(defaults);
    CHECK(defaults->idle_timeout.count() == 0);
    CHECK(defaults->idle_warning == std::chrono::minutes(5));
    CHECK(defaults->idle_action == "exit");
}

TEST_CASE("a bad idle setting is an error naming its variable") {
    Fixture f;
    auto config = f.load({{"DEV8_IDLE_TIMEOUT", "soon"},
                          {"DEV8_IDLE_WARNING", "-5m"},
                          {"DEV8_IDLE_CPU_PERCENT", "0"}});
    REQUIRE_FALSE(config);
    CHECK(variables(config.error()) == std::vector<std::string>{"DEV8_IDLE_TIMEOUT",
                                                                "DEV8_IDLE_WARNING",
                                                                "DEV8_IDLE_CPU_PERCENT"});
    CHECK_THAT(config.error()[0].message, Catch::Contains("\"soon\""));
}

TEST_CASE("durations: seconds, units and their sums; anything else refused") {
    using std::chrono::milliseconds;
    CHECK(parse_duration("0") == milliseconds(0));
    CHECK(parse_duration("1.5") == milliseconds(1500));
    CHECK(parse_duration("250ms") == milliseconds(250));
    CHECK(parse_duration("45s") == milliseconds(45'000));
    CHECK(parse_duration("30m") == milliseconds(1'800'000));
    CHECK(parse_duration("2h") == milliseconds(7'200'000));
    CHECK(parse_duration("1d") == milliseconds(86'400'000));
    CHECK(parse_duration("1h30m") == milliseconds(5'400'000));
    CHECK(parse_duration("1.5h") == milliseconds(5'400'000));
    for (const char* bad : {"", "soon", "-1", "5x", "m", "1h-5m", "1 h", "1.2.3s", "inf", "nan",
                            "367d", "1e400", "30m ", "h1"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad));
    }
}

TEST_CASE("durations are shown the way people write them") {
    using std::chrono::milliseconds;
    CHECK(format_duration(milliseconds(0)) == "0s");
    CHECK(format_duration(milliseconds(250)) == "250ms");
    CHECK(format_duration(milliseconds(1500)) == "1.5s");
    CHECK(format_duration(milliseconds(45'000)) == "45s");
    CHECK(format_duration(milliseconds(5'400'000)) == "1h30m");
    CHECK(format_duration(milliseconds(90'061'000)) == "1d1h1m1s");
    for (auto ms : {0, 250, 1500, 45'000, 5'400'000, 90'061'000})
        CHECK(parse_duration(format_duration(milliseconds(ms))) == milliseconds(ms));
}

TEST_CASE("an unknown DEV8_ variable is a warning, not an error") {
    Fixture f;
    auto config = f.load({{"DEV8_STOP_TIMOUT", "3"}});
    REQUIRE(config);
    REQUIRE(config->warnings.size() == 1);
    CHECK_THAT(config->warnings[0], Catch::Contains("DEV8_STOP_TIMOUT"));
}

TEST_CASE("state dir candidates follow DEV8_STATE_DIR, /run, XDG_RUNTIME_DIR, /tmp") {
    CHECK(state_dir_candidates(
              Environment(std::map<std::string, std::string>{{"DEV8_STATE_DIR", "/s"}}), 5) ==
          std::vector<std::string>{"/s"});
    CHECK(state_dir_candidates(
              Environment(std::map<std::string, std::string>{{"XDG_RUNTIME_DIR", "/run/user/5"}}),
              5) == std::vector<std::string>{"/run/dev8", "/run/user/5/dev8", "/tmp/dev8-5"});
}

TEST_CASE("an empty variable counts as unset") {
    Fixture f;
    auto file = f.dir.write("token", "ghp_from_the_file_1");
    auto config = f.load({{"GITHUB_TOKEN", ""},
                          {"GITHUB_TOKEN_FILE", file},
                          {"DEV8_WORKSPACE", ""},
                          {"DEV8_SSH_PORT", ""}});
    REQUIRE(config);
    CHECK(config->secrets.github_token->value == "ghp_from_the_file_1");
    CHECK(config->workspace == "/workspace");
    CHECK(config->ssh_port == 2222);
}

TEST_CASE("a secret too short to redact is used but warned about") {
    Fixture f;
    auto config = f.load({{"PASSWORD", "abc"}});
    REQUIRE(config);
    CHECK(config->secrets.password->value == "abc");
    REQUIRE(config->warnings.size() == 1);
    CHECK_THAT(config->warnings[0], Catch::Contains("PASSWORD"));
    CHECK(dev8::log::redactor().redact("abc") == "abc");
}

TEST_CASE("re-reading secret files registers a rotated value with the redactor") {
    Fixture f;
    auto file = f.dir.write("token", "ghp_first_value_1");
    Environment env(std::map<std::string, std::string>{{"GITHUB_TOKEN_FILE", file},
                                                       {"OPENAI_API_KEY_FILE", "/nonexistent/k"}});
    f.dir.write("token", "ghp_rotated_value_2\n");
    auto reloaded = reload_secret_files(env);
    CHECK(dev8::log::redactor().redact("ghp_rotated_value_2") == "[redacted]");
    CHECK(reloaded.values.at("GITHUB_TOKEN").value == "ghp_rotated_value_2");
    CHECK(reloaded.values.at("GITHUB_TOKEN").source == "GITHUB_TOKEN_FILE=" + file);
    REQUIRE(reloaded.errors.size() == 1);
    CHECK(reloaded.errors[0].variable == "OPENAI_API_KEY_FILE");
}

TEST_CASE("dotfiles: OWNER/REPO on the GitHub host, any git URL, never one with credentials") {
    Fixture f;
    auto config = f.load({{"DEV8_DOTFILES_REPO", "octocat/dotfiles"},
                          {"DEV8_GITHUB_HOST", "ghe.example.com"},
                          {"DEV8_DOTFILES_DIR", "~/src/dots"},
                          {"DEV8_DOTFILES_TIMEOUT", "2m"}});
    REQUIRE(config);
    CHECK(config->dotfiles_url == "https://ghe.example.com/octocat/dotfiles.git");
    CHECK(config->dotfiles_dir == config->developer.home + "/src/dots");
    CHECK(config->dotfiles_timeout == std::chrono::minutes(2));
    for (const char* url : {"https://gitlab.com/me/dots.git", "git@github.com:me/dots.git",
                            "ssh://git@host/me/dots", "/srv/git/dots.git"}) {
        auto loaded = f.load({{"DEV8_DOTFILES_REPO", url}});
        REQUIRE(loaded);
        CHECK(loaded->dotfiles_url == url);
    }
    auto defaults = f.load({});
    REQUIRE(defaults);
    CHECK(defaults->dotfiles_url.empty());
    CHECK(defaults->dotfiles_dir == defaults->developer.home + "/.dotfiles");
    auto bad = f.load({{"DEV8_DOTFILES_REPO", "https://me:ghp_0123456789abcdef@github.com/me/d"},
                       {"DEV8_DOTFILES_REF", "--upload-pack=evil"},
                       {"DEV8_DOTFILES_DIR", "dots"}});
    REQUIRE_FALSE(bad);
    CHECK(variables(bad.error()) ==
          std::vector<std::string>{"DEV8_DOTFILES_DIR", "DEV8_DOTFILES_REF", "DEV8_DOTFILES_REPO"});
    for (const auto& e : bad.error()) CHECK(e.message.find("ghp_") == std::string::npos);
    CHECK_FALSE(f.load({{"DEV8_DOTFILES_REPO", "-oProxyCommand=x"}}));
    CHECK_FALSE(f.load({{"DEV8_DOTFILES_REPO", "just-a-word"}}));
}
