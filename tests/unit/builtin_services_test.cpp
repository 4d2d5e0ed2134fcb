#include "dev8/supervisor/builtin_services.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"

using namespace dev8;
using supervisor::builtin_services;
using supervisor::load_or_create_password;

namespace {

config::Config base_config(const TempDir& dir) {
    config::Config c;
    c.developer = {.name = "dev8",
                   .uid = ::getuid(),
                   .gid = ::getgid(),
                   .home = dir.str() + "/home",
                   .shell = "/bin/bash",
                   .groups = {::getgid()}};
    c.state_dir = dir.str() + "/state";
    c.workspace = dir.str() + "/workspace";
    c.ssh_host_key_dir = c.developer.home + "/.local/state/dev8/ssh";
    c.sshd_bin = dir.write("sshd", "");
    ::chmod(c.sshd_bin.c_str(), 0755);
    c.code_server_bin = "code-server";
    return c;
}

supervisor::BuiltinOptions options_with_code_server(const TempDir& dir) {
    auto bin = dir.write("bin/code-server", "#!/bin/sh\n");
    ::chmod(bin.c_str(), 0755);
    return {.uid = ::getuid(), .path = dir.str() + "/bin", .on_host_keys = {}};
}

const supervisor::BuiltinService& named(const std::vector<supervisor::BuiltinService>& all,
                                        const std::string& name) {
    for (const auto& s : all)
        if (s.name == name) return s;
    FAIL("no service " << name);
    return all.front();
}

}  // namespace

TEST_CASE("sshd and code-server come in that order, as DESIGN.md runs them", "[builtin]") {
    TempDir dir;
    auto all = builtin_services(base_config(dir), options_with_code_server(dir));
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "sshd");
    CHECK(all[1].name == "code-server");
}

TEST_CASE("code-server gets the argv of DESIGN.md and a /healthz probe", "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.code_server_port = 8443;
    auto cs = named(builtin_services(c, options_with_code_server(dir)), "code-server");
    REQUIRE(cs.spec);
    CHECK(cs.spec->command == std::vector<std::string>{dir.str() + "/bin/code-server",
                                                       "--bind-addr", "0.0.0.0:8443", "--auth",
                                                       "password", "--disable-telemetry",
                                                       "--disable-update-check", c.workspace});
    CHECK(cs.spec->user.name == "dev8");
    CHECK(cs.spec->cwd == c.developer.home);  // the workspace does not exist
    auto* probe = std::get_if<supervisor::HttpProbe>(&cs.spec->ready);
    REQUIRE(probe);
    CHECK(probe->url == "http://127.0.0.1:8443/healthz");
    CHECK(cs.spec->env.empty());  // a password only ever comes from prepare()
    CHECK(cs.detail ==
          "password generated once in " + c.developer.home + "/.config/dev8/code-server-password");
}

TEST_CASE("a password reaches code-server through its environment, hashed first", "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.secrets.password = config::Secret{"plain-password", "PASSWORD"};
    auto cs = named(builtin_services(c, options_with_code_server(dir)), "code-server");
    REQUIRE(cs.spec->prepare);
    CHECK(cs.spec->prepare().value() ==
          std::map<std::string, std::string>{{"PASSWORD", "plain-password"}});
    CHECK(cs.detail == "password from PASSWORD");

    c.secrets.hashed_password =
        config::Secret{"$argon2i$v=19$m=4096,t=3,p=1$abc", "HASHED_PASSWORD"};
    cs = named(builtin_services(c, options_with_code_server(dir)), "code-server");
    CHECK(cs.spec->prepare().value() ==
          std::map<std::string, std::string>{
              {"HASHED_PASSWORD", "$argon2i$v=19$m=4096,t=3,p=1$abc"}});
}

TEST_CASE("with auth none code-server gets no password and a given one is warned about",
          "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.code_server_auth = config::CodeServerAuth::None;
    c.secrets.password = config::Secret{"plain-password", "PASSWORD"};
    auto cs = named(builtin_services(c, options_with_code_server(dir)), "code-server");
    REQUIRE(cs.spec);
    CHECK(!cs.spec->prepare);
    CHECK(cs.spec->command[4] == "none");
    REQUIRE(cs.warning);
    CHECK(*cs.warning == "code-server: DEV8_CODE_SERVER_AUTH=none, so PASSWORD is ignored");
}

TEST_CASE("an absent binary disables a service under auto with one info line", "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.sshd_bin = dir.str() + "/no-sshd";
    auto all = builtin_services(c, {.uid = ::getuid(), .path = dir.str(), .on_host_keys = {}});
    CHECK(!named(all, "sshd").spec);
    CHECK(named(all, "sshd").disabled_reason == dir.str() + "/no-sshd not installed");
    CHECK(named(all, "sshd").info);
    CHECK(!named(all, "code-server").spec);
    CHECK(named(all, "code-server").disabled_reason == "code-server not installed");
    CHECK(!named(all, "code-server").error);
}

TEST_CASE("an absent binary under on is still supervised, with an error", "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.code_server = config::Toggle::On;
    auto cs = named(builtin_services(c, {.uid = ::getuid(), .path = dir.str(), .on_host_keys = {}}),
                    "code-server");
    REQUIRE(cs.spec);
    CHECK(cs.spec->command[0] == "code-server");
    REQUIRE(cs.error);
    CHECK(*cs.error == "code-server: DEV8_CODE_SERVER=on but code-server is not installed");
}

TEST_CASE("off disables a service with the variable as the reason", "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.sshd = config::Toggle::Off;
    c.code_server = config::Toggle::Off;
    auto all = builtin_services(c, options_with_code_server(dir));
    CHECK(named(all, "sshd").disabled_reason == "DEV8_SSHD=off");
    CHECK(named(all, "code-server").disabled_reason == "DEV8_CODE_SERVER=off");
    CHECK(!named(all, "sshd").info);
}

TEST_CASE("a dev8-init that is neither root nor the developer cannot run them", "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.developer.uid = 4242;
    auto all = builtin_services(c, {.uid = 1234, .path = dir.str() + "/bin", .on_host_keys = {}});
    CHECK(!named(all, "sshd").spec);
    CHECK(named(all, "sshd").error);
    CHECK(named(all, "sshd").disabled_reason.starts_with("dev8-init runs as uid 1234"));
}

TEST_CASE("sshd runs its generated config by absolute path with an SSH handshake probe",
          "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    c.ssh_port = 2200;
    auto sshd = named(builtin_services(c, options_with_code_server(dir)), "sshd");
    REQUIRE(sshd.spec);
    CHECK(sshd.spec->command ==
          std::vector<std::string>{c.sshd_bin, "-D", "-e", "-f", c.state_dir + "/sshd_config"});
    auto* probe = std::get_if<supervisor::SshProbe>(&sshd.spec->ready);
    REQUIRE(probe);
    CHECK(probe->port == 2200);
}

TEST_CASE("sshd's prepare writes the config and a host key, and reports the fingerprint",
          "[builtin]") {
    TempDir dir;
    auto c = base_config(dir);
    std::filesystem::create_directories(c.state_dir);
    std::filesystem::create_directories(c.developer.home);
    std::vector<std::string> seen;
    auto sshd = named(
        builtin_services(
            c, {.uid = ::getuid(), .path = dir.str(), .on_host_keys = [&](auto f) { seen = f; }}),
        "sshd");
    REQUIRE(sshd.spec->prepare().has_value());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].starts_with("SHA256:"));
    auto config = dir.str() + "/state/sshd_config";
    REQUIRE(std::filesystem::exists(config));
    CHECK(std::filesystem::exists(c.ssh_host_key_dir + "/ssh_host_ed25519_key"));
    auto again = seen;
    REQUIRE(sshd.spec->prepare().has_value());
    CHECK(seen == again);
}

TEST_CASE("a generated password is created once, 0600, and then reused", "[builtin]") {
    TempDir dir;
    auto path = dir.str() + "/config/dev8/code-server-password";
    auto first = load_or_create_password(path);
    REQUIRE(first);
    CHECK(first->created);
    CHECK(first->value.size() >= 20);
    CHECK(first->value.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
          std::string::npos);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto second = load_or_create_password(path);
    REQUIRE(second);
    CHECK(!second->created);
    CHECK(second->value == first->value);
    CHECK(load_or_create_password(dir.str() + "/other")->value != first->value);
}

TEST_CASE("a password file written by hand is read with trailing whitespace trimmed", "[builtin]") {
    TempDir dir;
    auto path = dir.write("pw", "my own password \r\n");
    ::chmod(path.c_str(), 0644);
    auto pw = load_or_create_password(path);
    REQUIRE(pw);
    CHECK(pw->value == "my own password");
    CHECK(!pw->created);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("a password file that is a FIFO, a link to /dev/zero or huge fails at once",
          "[builtin]") {
    TempDir dir;
    auto path = dir.str() + "/code-server-password";
    SECTION("a FIFO") {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        auto pw = load_or_create_password(path);
        REQUIRE_FALSE(pw);
        CHECK(pw.error() == path + ": a FIFO, not read");
    }
    SECTION("a link to /dev/zero") {
        std::filesystem::create_symlink("/dev/zero", path);
        auto pw = load_or_create_password(path);
        REQUIRE_FALSE(pw);
        CHECK(pw.error() == path + ": a symlink, not read");
    }
    SECTION("a file far larger than a password") {
        dir.write("code-server-password", std::string(100 << 10, 'p'));
        auto pw = load_or_create_password(path);
        REQUIRE_FALSE(pw);
        CHECK(pw.error() == path + ": larger than 64 KiB, not read");
    }
}
