#include "dev8/supervisor/services_dir.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "temp_dir.h"

using namespace dev8;

namespace {

struct Fixture {
    TempDir dir;
    fs::AccountFiles accounts;
    config::Config config;

    Fixture() {
        accounts.passwd = dir.write("passwd",
                                    "root:x:0:0:root:/root:/bin/bash\n"
                                    "dev8:x:1000:1000::/home/dev8:/bin/bash\n"
                                    "alice:x:1001:1001::/home/alice:/bin/zsh\n");
        accounts.group = dir.write("group", "dev8:x:1000:\nalice:x:1001:\n");
        config.developer = *fs::find_account("dev8", accounts);
        config.services_dir = dir.str() + "/services.d";
    }

    supervisor::ServicesDir load() { return supervisor::load_services_dir(config, accounts, true); }
};

std::vector<std::string> files(const std::vector<config::ConfigError>& errors) {
    std::vector<std::string> names;
    for (const auto& e : errors) names.push_back(e.variable);
    return names;
}

}  // namespace

TEST_CASE("services.d files are loaded in name order with their defaults") {
    Fixture f;
    f.dir.write("services.d/20-b.json", R"({"name": "b", "command": ["sleep", "1"]})");
    f.dir.write("services.d/10-a.json",
                R"({"name": "a", "command": ["x"], "restart": "on-failure", "essential": true,
                    "user": "alice", "env": {"K": "v"}, "ready": {"tcp": 8888}})");
    f.dir.write("services.d/README", "not a service");
    auto dir = f.load();
    REQUIRE(dir.errors.empty());
    REQUIRE(dir.services.size() == 2);
    const auto& a = dir.services[0];
    CHECK(a.name == "a");
    CHECK(a.user.name == "alice");
    CHECK(a.essential);
    CHECK(a.restart == supervisor::RestartPolicy::OnFailure);
    CHECK(a.env.at("K") == "v");
    CHECK(std::get<supervisor::TcpProbe>(a.ready).port == 8888);
    const auto& b = dir.services[1];
    CHECK(b.user.name == "dev8");
    CHECK(b.cwd == "/home/dev8");  // no /workspace here
    CHECK(b.restart == supervisor::RestartPolicy::Always);
}

TEST_CASE("a malformed services.d file is an error naming the file") {
    Fixture f;
    auto bad = f.dir.write("services.d/bad.json", "{ not json");
    auto reserved =
        f.dir.write("services.d/reserved.json", R"({"name": "sshd", "command": ["x"]})");
    auto dup1 = f.dir.write("services.d/x1.json", R"({"name": "dup", "command": ["x"]})");
    auto dup2 = f.dir.write("services.d/x2.json", R"({"name": "dup", "command": ["y"]})");
    auto dir = f.load();
    CHECK(files(dir.errors) == std::vector<std::string>{bad, reserved, dup2});
    REQUIRE(dir.services.size() == 1);
    CHECK(dir.services[0].command == std::vector<std::string>{"x"});
}

TEST_CASE("a missing services.d is no service and no error") {
    Fixture f;
    auto dir = f.load();
    CHECK(dir.services.empty());
    CHECK(dir.errors.empty());
}

TEST_CASE("a service's directory is the workspace when it exists, else the home") {
    Fixture f;
    CHECK(supervisor::default_cwd(f.config) == "/home/dev8");
    f.config.workspace = f.dir.str();
    CHECK(supervisor::default_cwd(f.config) == f.dir.str());
}

TEST_CASE("a directory or a FIFO named like a service file is an error, never a hang") {
    Fixture f;
    std::filesystem::create_directories(f.dir.path / "services.d" / "dir.json");
    auto fifo = f.dir.str() + "/services.d/fifo.json";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto dir = f.load();
    REQUIRE(dir.errors.size() == 2);
    CHECK(dir.errors[0].variable == f.dir.str() + "/services.d/dir.json");
    CHECK(dir.errors[0].message == "a directory, not read");
    CHECK(dir.errors[1].variable == fifo);
    CHECK(dir.errors[1].message == "a FIFO, not read");
}
