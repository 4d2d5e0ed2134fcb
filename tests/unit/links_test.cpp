#include "dev8/fs/links.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "temp_dir.h"

using namespace dev8;

TEST_CASE("a plain file or a missing one is its own edit target", "[links]") {
    TempDir dir;
    auto file = dir.write("settings.json", "{}");
    CHECK(fs::edit_target(file) == file);
    CHECK(fs::edit_target(dir.str() + "/missing") == dir.str() + "/missing");
}

TEST_CASE("a link to a regular file is edited through, and kept", "[links]") {
    TempDir dir;
    auto target = dir.write("dotfiles/bashrc", "PS1='$ '\n");
    auto link = dir.path / ".bashrc";
    std::filesystem::create_symlink("dotfiles/bashrc", link);
    CHECK(fs::edit_target(link.string()) == std::filesystem::canonical(target).string());
}

TEST_CASE("a link that leads nowhere, loops or to no regular file is left alone", "[links]") {
    TempDir dir;
    auto link = (dir.path / "link").string();
    SECTION("dangling") {
        std::filesystem::create_symlink(dir.path / "gone", link);
        auto target = fs::edit_target(link);
        REQUIRE_FALSE(target);
        CHECK_THAT(target.error(), Catch::StartsWith(link + ": a symlink that leads nowhere"));
    }
    SECTION("a loop") {
        std::filesystem::create_symlink(link, link);
        CHECK_FALSE(fs::edit_target(link));
    }
    SECTION("a directory or a device") {
        for (auto to : {dir.str(), std::string("/dev/zero")}) {
            std::filesystem::remove(link);
            std::filesystem::create_symlink(to, link);
            auto target = fs::edit_target(link);
            REQUIRE_FALSE(target);
            CHECK_THAT(target.error(), Catch::Contains("not a regular file; left as it is"));
        }
    }
    CHECK(std::filesystem::is_symlink(link));
}
