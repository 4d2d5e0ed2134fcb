#include "dev8/steps/ai_tools.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>

#include "dev8/credentials/shell_env.h"
#include "dev8/fs/read_file.h"
#include "dev8/process/run.h"
#include "reaping_thread.h"
#include "temp_dir.h"

using namespace dev8;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kBlock =
    "# >>> dev8-init >>>\n"
    "# Managed by dev8-init: AI keys, GitHub token and workspace for every session.\n"
    "if [ -r ~/.config/dev8/env ]; then . ~/.config/dev8/env; fi\n"
    "# <<< dev8-init <<<\n";

// The top of Debian's /etc/skel/.bashrc.
constexpr std::string_view kDebianBashrc =
    "# ~/.bashrc: executed by bash(1) for non-login shells.\n"
    "\n"
    "# If not running interactively, don't do anything\n"
    "case $- in\n"
    "    *i*) ;;\n"
    "      *) return;;\n"
    "esac\n"
    "\n"
    "HISTCONTROL=ignoreboth\n";

// Values no shell may interpret: quotes, expansions, a newline, a trailing backslash.
const std::string kNastyKey =
    "sk-ant-'q' \"d\" $(touch pwned) `touch pwned2` $HOME ${PATH} \\n \\\nline 2\n'\\";
const std::string kNastyOpenAi = "''''; exit 7 # *?[a]~ \t$'\\x41'";
const std::string kNastyToken = "ghp_'\"'\"'$((1+1))!!\\";

struct Shell {
    std::string out;
    std::string err;
    int code;
};

// `shell -c script` with only `env`, in `cwd`, as a session's first shell.
Shell run_shell(const std::string& shell, const std::string& script, std::vector<std::string> env,
                const std::string& cwd, std::vector<std::string> args = {}) {
    process::Reaper reaper;
    ReapingThread reaping(reaper);
    env.push_back("PATH=/usr/bin:/bin");
    std::vector<std::string> argv = {shell, "-c", script, "sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result =
        process::run_to_completion({.argv = argv, .env = env, .cwd = cwd}, reaper, "", 10s);
    REQUIRE(result);
    return {result->out, result->err, result->exit.shell_code()};
}

config::Config config_for(const TempDir& home) {
    config::Config config;
    config.developer = {.name = "dev",
                        .uid = ::getuid(),
                        .gid = ::getgid(),
                        .home = home.str(),
                        .shell = "/bin/bash",
                        .groups = {}};
    config.workspace = home.str() + "/workspace";
    return config;
}

steps::StepResult run_step(const config::Config& config) {
    process::Reaper reaper;
    steps::StepContext context{config, reaper, {}};
    return steps::make_ai_tools_step()->run(context);
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::string read(const std::string& path) {
    auto content = fs::read_file(path, dev8::fs::kMaxTextFile);
    REQUIRE(content);
    REQUIRE(*content);
    return **content;
}

size_t count(std::string_view text, std::string_view what) {
    size_t n = 0;
    for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

std::vector<std::string> files_under(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
        if (entry.is_regular_file()) files.push_back(entry.path().string());
    return files;
}

}  // namespace

TEST_CASE("the env file is 0600 and quotes values so no shell interprets them") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.anthropic_api_key = config::Secret{kNastyKey, "ANTHROPIC_API_KEY"};
    config.secrets.openai_api_key = config::Secret{kNastyOpenAi, "OPENAI_API_KEY"};
    config.secrets.github_token = config::Secret{kNastyToken, "GITHUB_TOKEN"};
    REQUIRE(run_step(config).state == steps::StepState::Ok);

    auto env_file = credentials::shell_env_path(config.developer);
    CHECK(env_file == home.str() + "/.config/dev8/env");
    CHECK(mode_of(env_file) == 0600);
    CHECK(mode_of(home.str() + "/.config/dev8") == 0700);

    for (std::string shell : {"bash", "dash"}) {
        INFO(shell);
        auto result = run_shell(shell,
                                ". \"$1\"; printf '%s|%s|%s|%s' \"$ANTHROPIC_API_KEY\" "
                                "\"$OPENAI_API_KEY\" \"$GH_TOKEN\" \"$GITHUB_TOKEN\"",
                                {"HOME=" + home.str()}, home.str(), {env_file});
        CHECK(result.code == 0);
        CHECK(result.err.empty());
        CHECK(result.out == kNastyKey + "|" + kNastyOpenAi + "|" + kNastyToken + "|" + kNastyToken);
    }
    CHECK_FALSE(std::filesystem::exists(home.path / "pwned"));
    CHECK_FALSE(std::filesystem::exists(home.path / "pwned2"));
}

TEST_CASE("the hook is added to .bashrc above the interactivity guard once") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.anthropic_api_key = config::Secret{"sk-ant-test-key", "ANTHROPIC_API_KEY"};
    auto bashrc = home.write(".bashrc", std::string(kDebianBashrc));
    REQUIRE(run_step(config).state == steps::StepState::Ok);
    REQUIRE(run_step(config).state == steps::StepState::Ok);

    CHECK(read(bashrc) == std::string(kBlock) + std::string(kDebianBashrc));
    CHECK(count(read(bashrc), "# >>> dev8-init >>>") == 1);
    // What bash does for `ssh host cmd`: .bashrc, non-interactive, past the guard's return.
    auto exec_session = run_shell("bash", "printf %s \"$ANTHROPIC_API_KEY\"",
                                  {"HOME=" + home.str(), "SSH_CLIENT=127.0.0.1 50000 2222",
                                   "SSH_CONNECTION=127.0.0.1 50000 127.0.0.1 2222"},
                                  home.str());
    CHECK(exec_session.out == "sk-ant-test-key");
}

TEST_CASE("a login shell sees the keys through .profile") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.openai_api_key = config::Secret{"sk-openai-test-key", "OPENAI_API_KEY"};
    REQUIRE(run_step(config).state == steps::StepState::Ok);
    CHECK(mode_of(home.str() + "/.profile") == 0644);
    for (std::string shell : {"bash", "dash"}) {
        INFO(shell);
        auto login = run_shell(shell, "exec " + shell + " -l -c 'printf %s \"$OPENAI_API_KEY\"'",
                               {"HOME=" + home.str()}, home.str());
        CHECK(login.out == "sk-openai-test-key");
    }
}

TEST_CASE("a second run changes nothing") {
    TempDir home;
    auto config = config_for(home);
    config.developer.shell = "/usr/bin/zsh";
    config.secrets.anthropic_api_key = config::Secret{"sk-ant-test-key", "ANTHROPIC_API_KEY"};
    config.secrets.github_token = config::Secret{"ghp_test_token_value", "GITHUB_TOKEN"};
    home.write(".bashrc", std::string(kDebianBashrc));
    home.write(".bash_profile", ". ~/.profile\n");
    REQUIRE(run_step(config).state == steps::StepState::Ok);

    auto files = files_under(home.str());
    CHECK(files.size() == 5);  // env, .profile, .bashrc, .bash_profile, .zshenv
    std::map<std::string, std::string> before;
    struct timespec long_ago[2] = {{1, 0}, {1, 0}};
    for (const auto& file : files) {
        before[file] = read(file);
        REQUIRE(::utimensat(AT_FDCWD, file.c_str(), long_ago, 0) == 0);
    }
    REQUIRE(run_step(config).state == steps::StepState::Ok);
    CHECK(files_under(home.str()).size() == files.size());
    for (const auto& file : files) {
        INFO(file);
        struct stat st {};
        REQUIRE(::stat(file.c_str(), &st) == 0);
        CHECK(st.st_mtime == 1);
        CHECK(read(file) == before[file]);
    }
}

TEST_CASE("a key removed from the env is removed from the env file") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.anthropic_api_key = config::Secret{"sk-ant-old-key-1234", "ANTHROPIC_API_KEY"};
    config.secrets.github_token = config::Secret{"ghp_old_token_5678", "GITHUB_TOKEN"};
    REQUIRE(run_step(config).state == steps::StepState::Ok);
    REQUIRE(read(credentials::shell_env_path(config.developer)).find("sk-ant-old-key-1234") !=
            std::string::npos);

    config.secrets = {};
    auto result = run_step(config);
    REQUIRE(result.state == steps::StepState::Ok);
    CHECK(result.message == "claude: no key; codex: no key; copilot: no token");
    for (const auto& file : files_under(home.str())) {
        INFO(file);
        CHECK(read(file).find("sk-ant-old-key") == std::string::npos);
        CHECK(read(file).find("ghp_old_token") == std::string::npos);
    }
    auto text = read(credentials::shell_env_path(config.developer));
    CHECK(text.find("export ") == std::string::npos);
}

TEST_CASE("a rotated token replaces the old one in the env file") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.github_token = config::Secret{"ghp_first_token_0001", "GITHUB_TOKEN"};
    REQUIRE(credentials::write_shell_env(config) == fs::WriteOutcome::Written);
    config.secrets.github_token = config::Secret{"ghp_second_token_0002", "GITHUB_TOKEN"};
    REQUIRE(credentials::write_shell_env(config) == fs::WriteOutcome::Written);
    CHECK(credentials::write_shell_env(config) == fs::WriteOutcome::Unchanged);
    for (const auto& file : files_under(home.str()))
        CHECK(read(file).find("ghp_first_token") == std::string::npos);
    CHECK(read(credentials::shell_env_path(config.developer)).find("ghp_second_token_0002") !=
          std::string::npos);
}

TEST_CASE("an enterprise host exports GH_HOST and GH_ENTERPRISE_TOKEN") {
    TempDir home;
    auto config = config_for(home);
    config.github_host = "localhost:8443";
    config.secrets.github_token = config::Secret{"ghp_enterprise_token", "GITHUB_TOKEN"};
    REQUIRE(credentials::write_shell_env(config));
    auto result = run_shell("bash",
                            ". \"$1\"; printf '%s|%s|%s|%s' \"$GH_HOST\" \"$GH_ENTERPRISE_TOKEN\" "
                            "\"${GH_TOKEN-unset}\" \"${GITHUB_TOKEN-unset}\"",
                            {"HOME=" + home.str()}, home.str(),
                            {credentials::shell_env_path(config.developer)});
    CHECK(result.out == "localhost:8443|ghp_enterprise_token|unset|unset");
}

TEST_CASE("github.com exports GH_TOKEN and GITHUB_TOKEN and no GH_HOST") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.github_token = config::Secret{"ghp_dotcom_token", "GITHUB_TOKEN"};
    auto text = credentials::render_shell_env(config);
    CHECK(text.find("export GH_TOKEN='ghp_dotcom_token'\n") != std::string::npos);
    CHECK(text.find("export GITHUB_TOKEN='ghp_dotcom_token'\n") != std::string::npos);
    CHECK(text.find("GH_HOST") == std::string::npos);
    CHECK(text.find("GH_ENTERPRISE_TOKEN") == std::string::npos);
}

TEST_CASE("a user's lines in an rc file stay byte for byte") {
    std::string rc = "alias ll='ls -l'\r\n\n# <<< dev8-init <<<\nexport EDITOR=vim  # no newline";
    CHECK(steps::with_shell_env_hook(rc) == std::string(kBlock) + rc);
    CHECK(steps::with_shell_env_hook("") == kBlock);

    SECTION("an outdated block is refreshed where it is") {
        std::string old = "a\n# >>> dev8-init >>>\n. ~/old-env\n# <<< dev8-init <<<\nb";
        CHECK(steps::with_shell_env_hook(old) == "a\n" + std::string(kBlock) + "b");
    }
    SECTION("a duplicated block is kept once") {
        auto twice = std::string(kBlock) + "x\n" + std::string(kBlock) + "y\n";
        CHECK(steps::with_shell_env_hook(twice) == std::string(kBlock) + "x\ny\n");
    }
    SECTION("a block whose end marker was deleted is repaired, not doubled") {
        auto broken = std::string(kBlock.substr(0, kBlock.rfind("# <<<"))) + "z\n";
        CHECK(steps::with_shell_env_hook(broken) == std::string(kBlock) + "z\n");
    }
}

TEST_CASE("the rc files hooked depend on the developer's shell and what exists") {
    TempDir home;
    auto config = config_for(home);
    auto exists = [&](const char* name) { return std::filesystem::exists(home.path / name); };

    REQUIRE(run_step(config).state == steps::StepState::Ok);
    CHECK(exists(".profile"));
    CHECK(exists(".bashrc"));
    CHECK_FALSE(exists(".bash_profile"));  // would stop bash from reading .profile
    CHECK_FALSE(exists(".zshenv"));

    config.developer.shell = "/usr/bin/zsh";
    auto bash_login = home.write(".bash_login", "echo hi\n");
    REQUIRE(run_step(config).state == steps::StepState::Ok);
    CHECK(read(home.str() + "/.zshenv") == kBlock);
    CHECK(read(bash_login) == std::string(kBlock) + "echo hi\n");
}

TEST_CASE("a symlinked rc file is edited through its link") {
    TempDir home;
    auto config = config_for(home);
    auto target = home.write("dotfiles/bashrc", "PS1='$ '\n");
    std::filesystem::create_symlink("dotfiles/bashrc", home.path / ".bashrc");
    REQUIRE(run_step(config).state == steps::StepState::Ok);
    CHECK(std::filesystem::is_symlink(home.path / ".bashrc"));
    CHECK(read(target) == std::string(kBlock) + "PS1='$ '\n");
}

TEST_CASE("an rc file linked to a directory is left alone; the other rc files are hooked") {
    TempDir home;
    auto config = config_for(home);
    std::filesystem::create_directory(home.path / "dotfiles");
    std::filesystem::create_symlink("dotfiles", home.path / ".bashrc");
    auto result = run_step(config);
    CHECK(result.state == steps::StepState::Failed);
    CHECK(result.message.find(home.str() + "/.bashrc: a symlink to") != std::string::npos);
    CHECK(std::filesystem::is_symlink(home.path / ".bashrc"));
    CHECK(read(home.str() + "/.profile") == kBlock);
}

TEST_CASE("the message says which tools are installed and have their credential") {
    TempDir home;
    auto config = config_for(home);
    config.secrets.anthropic_api_key = config::Secret{"sk-ant-test-key", "ANTHROPIC_API_KEY"};
    config.secrets.github_token = config::Secret{"ghp_test_token_value", "GITHUB_TOKEN"};
    auto only_copilot = [](std::string_view binary) { return binary == "copilot"; };
    CHECK(credentials::describe_ai_tools(config, only_copilot) ==
          "claude: key set, not installed; codex: no key; copilot: installed, token set");

    config.secrets.openai_api_key = config::Secret{std::string("sk-\0nul", 6), "OPENAI_API_KEY"};
    CHECK(credentials::describe_ai_tools(config, [](std::string_view) { return true; }) ==
          "claude: installed, key set; codex: installed, key not exported (NUL byte); copilot: "
          "installed, token set");
    CHECK(credentials::render_shell_env(config).find("OPENAI_API_KEY") == std::string::npos);

    SECTION("a tool in ~/.local/bin counts as installed; none installed is still ok") {
        auto copilot = home.write(".local/bin/copilot", "#!/bin/sh\n");
        REQUIRE(::chmod(copilot.c_str(), 0755) == 0);
        auto result = run_step(config);
        CHECK(result.state == steps::StepState::Ok);
        CHECK(result.message.find("copilot: installed, token set") != std::string::npos);
        CHECK(result.message.find("sk-") == std::string::npos);
        CHECK(std::filesystem::exists(credentials::shell_env_path(config.developer)));
    }
}

TEST_CASE("an ssh session starts in the workspace; transfers and nested shells stay put") {
    TempDir home;
    auto config = config_for(home);
    REQUIRE(credentials::write_shell_env(config));
    auto env_file = credentials::shell_env_path(config.developer);
    std::vector<std::string> ssh = {"HOME=" + home.str(),
                                    "SSH_CONNECTION=127.0.0.1 50000 127.0.0.1 2222"};
    auto pwd_after = [&](std::vector<std::string> env, const std::string& cwd,
                         const std::string& extra = "") {
        auto result = run_shell("bash", ". \"$1\"; pwd" + extra, env, cwd, {env_file});
        CHECK(result.err.empty());
        return result.out;
    };

    CHECK(pwd_after(ssh, home.str()) == home.str() + "\n");  // no workspace yet: no move
    std::filesystem::create_directory(config.workspace);
    CHECK(pwd_after(ssh, home.str()) == config.workspace + "\n");
    CHECK(pwd_after(ssh, home.str(), " # /usr/lib/openssh/sftp-server") == home.str() + "\n");
    CHECK(pwd_after(ssh, home.str() + "/.config") == home.str() + "/.config\n");
    // A terminal's interactive shell, as code-server or `docker exec -it` starts it.
    auto interactive = run_shell("bash", "exec bash -i -c '. \"$0\"; pwd' \"$1\"",
                                 {"HOME=" + home.str()}, home.str(), {env_file});
    CHECK(interactive.out == config.workspace + "\n");
    CHECK(pwd_after({"HOME=" + home.str()}, home.str()) == home.str() + "\n");  // a script
    auto nested = ssh;
    nested.push_back("SHLVL=1");  // this bash is the second shell of the session
    CHECK(pwd_after(nested, home.str()) == home.str() + "\n");
}
