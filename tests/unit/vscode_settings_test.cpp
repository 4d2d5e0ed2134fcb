#include "dev8/steps/vscode_settings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/read_file.h"
#include "dev8/process/identity.h"
#include "temp_dir.h"

using namespace dev8;
using State = steps::StepState;

namespace {

const std::string kRelativePath = "/.local/share/code-server/User/settings.json";

struct Fixture {
    TempDir home;
    config::Config config;
    process::Reaper reaper;
    std::unique_ptr<steps::Step> step = steps::make_vscode_settings_step();

    Fixture() {
        config.developer = {"dev", ::getuid(), ::getgid(), home.str(), "/bin/sh", {::getgid()}};
    }

    std::string path() const { return home.str() + kRelativePath; }
    std::string write(const std::string& content) const {
        return home.write(kRelativePath.substr(1), content);
    }
    std::string text() const {
        return fs::read_file(path(), fs::kMaxTextFile, fs::Links::Follow).value().value();
    }
    nlohmann::json settings() const { return nlohmann::json::parse(text(), nullptr, true, true); }

    steps::StepResult run() {
        steps::StepContext context{config, reaper, {}};
        return step->run(context);
    }
};

struct stat stat_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st;
}

void set_old_mtime(const std::string& path) {
    struct timespec old_time[2] = {{1, 0}, {1, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old_time, 0) == 0);
}

}  // namespace

TEST_CASE("a missing settings.json is created with Copilot on and the editor defaults") {
    Fixture f;
    auto result = f.run();
    CHECK(result.state == State::Ok);
    CHECK(result.message == "added 5 settings");
    auto settings = f.settings();
    CHECK(settings["github.copilot.enable"] == nlohmann::json::object({{"*", true}}));
    CHECK(settings["telemetry.telemetryLevel"] == "off");
    CHECK(settings["workbench.startupEditor"] == "none");
    CHECK(settings["security.workspace.trust.enabled"] == false);
    CHECK(settings["files.autoSave"] == "afterDelay");
    CHECK((stat_of(f.path()).st_mode & 07777) == 0644);
}

TEST_CASE("comments, trailing commas and the user's values survive byte for byte") {
    Fixture f;
    const std::string original =
        "// my settings\n{\n  /* font */ \"editor.fontSize\": 15, // big\n"
        "  \"editor.rulers\": [80,],\n}\n";
    f.write(original);
    REQUIRE(f.run().state == State::Ok);
    auto text = f.text();
    auto brace = original.rfind('}');
    CHECK(text.substr(0, brace) == original.substr(0, brace));
    CHECK(text.ends_with("\n}\n"));
    CHECK(text.find("  \"github.copilot.enable\": {\n    \"*\": true\n  },\n") !=
          std::string::npos);
}

TEST_CASE("a user's own value wins over the managed default") {
    Fixture f;
    f.write("{\n    \"files.autoSave\": \"off\"\n}\n");
    auto result = f.run();
    CHECK(result.message == "added 4 settings, kept 1 set by the user");
    CHECK(f.settings()["files.autoSave"] == "off");
    CHECK(f.text().find("afterDelay") == std::string::npos);
}

TEST_CASE("DEV8_VSCODE_SETTINGS keys are added and win over the defaults") {
    Fixture f;
    f.config.vscode_settings = {{"editor.tabSize", 2}, {"files.autoSave", "onFocusChange"}};
    CHECK(f.run().message == "added 6 settings");
    auto settings = f.settings();
    CHECK(settings["editor.tabSize"] == 2);
    CHECK(settings["files.autoSave"] == "onFocusChange");
}

TEST_CASE("DEV8_VSCODE_SETTINGS never overrides a key the user has set") {
    Fixture f;
    f.write("{ \"editor.tabSize\": 8 }");
    f.config.vscode_settings = {{"editor.tabSize", 2}};
    CHECK(f.run().message == "added 5 settings, kept 1 set by the user");
    CHECK(f.settings()["editor.tabSize"] == 8);
}

TEST_CASE("a null in DEV8_VSCODE_SETTINGS drops that default") {
    Fixture f;
    f.config.vscode_settings = {{"files.autoSave", nullptr}};
    CHECK(f.run().message == "added 4 settings");
    CHECK_FALSE(f.settings().contains("files.autoSave"));
}

TEST_CASE("a corrupt settings.json is never rewritten and the step fails") {
    Fixture f;
    const std::string corrupt = "{\n  \"editor.fontSize\": 15\n  \"oops\": 1\n}\n";
    f.write(corrupt);
    set_old_mtime(f.path());
    auto result = f.run();
    CHECK(result.state == State::Failed);
    CHECK_THAT(result.message, Catch::Contains(f.path()) && Catch::Contains("line 3, column 3") &&
                                   Catch::Contains("left untouched"));
    CHECK(f.text() == corrupt);
    CHECK(stat_of(f.path()).st_mtime == 1);
}

TEST_CASE("a settings.json holding an array is rejected and left alone") {
    Fixture f;
    f.write("[]");
    auto result = f.run();
    CHECK(result.state == State::Failed);
    CHECK_THAT(result.message, Catch::Contains("array"));
    CHECK(f.text() == "[]");
}

TEST_CASE("a second run with the same settings leaves the file and its mtime alone") {
    Fixture f;
    f.config.vscode_settings = {{"editor.tabSize", 2}};
    REQUIRE(f.run().state == State::Ok);
    auto first = f.text();
    set_old_mtime(f.path());
    auto again = f.run();
    CHECK(again.state == State::Ok);
    CHECK(again.message == "all 6 settings already present");
    CHECK(f.text() == first);
    CHECK(stat_of(f.path()).st_mtime == 1);
}

TEST_CASE("the existing file's mode is kept") {
    Fixture f;
    ::chmod(f.write("{}").c_str(), 0600);
    REQUIRE(f.run().state == State::Ok);
    CHECK((stat_of(f.path()).st_mode & 07777) == 0600);
}

TEST_CASE("a settings.json linked from a dotfiles folder is edited through the link") {
    Fixture f;
    auto target = f.home.write("dotfiles/settings.json", "{ \"a\": 1 }\n");
    std::filesystem::create_directories(std::filesystem::path(f.path()).parent_path());
    std::filesystem::create_symlink(target, f.path());
    REQUIRE(f.run().state == State::Ok);
    CHECK(std::filesystem::is_symlink(f.path()));
    CHECK(f.settings()["a"] == 1);
    CHECK(f.settings().contains("github.copilot.enable"));
}

TEST_CASE("a settings.json link that leads nowhere fails the step and stays a link") {
    Fixture f;
    std::filesystem::create_directories(std::filesystem::path(f.path()).parent_path());
    std::filesystem::create_symlink(f.home.path / "dotfiles/missing.json", f.path());
    auto result = f.run();
    CHECK(result.state == State::Failed);
    CHECK_THAT(result.message, Catch::StartsWith(f.path() + ": a symlink that leads nowhere"));
    CHECK(std::filesystem::is_symlink(f.path()));
    CHECK_FALSE(std::filesystem::exists(f.home.path / "dotfiles"));
}

TEST_CASE("a settings.json that is a FIFO or a link to /dev/zero fails at once, untouched") {
    Fixture f;
    std::filesystem::create_directories(std::filesystem::path(f.path()).parent_path());
    SECTION("a FIFO") {
        REQUIRE(::mkfifo(f.path().c_str(), 0644) == 0);
        auto result = f.run();
        CHECK(result.state == State::Failed);
        CHECK(result.message == f.path() + ": a FIFO, not read");
    }
    SECTION("a link to /dev/zero") {
        std::filesystem::create_symlink("/dev/zero", f.path());
        auto result = f.run();
        CHECK(result.state == State::Failed);
        CHECK_THAT(result.message, Catch::Contains("/dev/zero, which is not a regular file"));
        CHECK(std::filesystem::is_symlink(f.path()));
    }
}

TEST_CASE("the settings are written even when code-server is off") {
    Fixture f;
    f.config.code_server = config::Toggle::Off;
    f.config.code_server_bin = "/nonexistent/code-server";
    CHECK(f.run().state == State::Ok);
    CHECK(std::filesystem::exists(f.path()));
}

TEST_CASE("the settings file and its folders belong to the developer", "[root]") {
    REQUIRE(::geteuid() == 0);
    Fixture f;
    f.config.developer = {"dev", 4321, 4322, f.home.str(), "/bin/sh", {4322}};
    REQUIRE(::chown(f.home.str().c_str(), 4321, 4322) == 0);
    std::thread worker([&] {
        process::ScopedFsIdentity as_developer(f.config.developer);
        CHECK(f.run().state == State::Ok);
    });
    worker.join();
    for (auto path :
         {f.path(), f.home.str() + "/.local/share/code-server/User", f.home.str() + "/.local"}) {
        INFO(path);
        CHECK(stat_of(path).st_uid == 4321);
        CHECK(stat_of(path).st_gid == 4322);
    }
}

TEST_CASE("the plan names the settings file") {
    Fixture f;
    CHECK_THAT(f.step->plan(f.config), Catch::Contains(f.path()) && Catch::Contains("5 managed"));
    CHECK(f.step->name() == "vscode-settings");
}
