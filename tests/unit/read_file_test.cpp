#include "dev8/fs/read_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "temp_dir.h"

using namespace dev8;

TEST_CASE("a regular file is read whole; a missing one is nullopt", "[read]") {
    TempDir dir;
    auto file = dir.write("settings.json", "{ \"a\": 1 }\n");
    CHECK(fs::read_file(file, 1024).value() == "{ \"a\": 1 }\n");
    CHECK(fs::read_file(dir.str() + "/missing", 1024).value() == std::nullopt);
    auto empty = dir.write("empty", "");
    CHECK(fs::read_file(empty, 1024).value() == "");
}

TEST_CASE("a FIFO is refused at once instead of blocking", "[read]") {
    TempDir dir;
    auto fifo = dir.str() + "/settings.json";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto read = fs::read_file(fifo, 1024);
    REQUIRE_FALSE(read);
    CHECK(read.error() == fifo + ": a FIFO, not read");
}

TEST_CASE("a directory and a device are refused", "[read]") {
    TempDir dir;
    CHECK(fs::read_file(dir.str(), 1024).error() == dir.str() + ": a directory, not read");
    CHECK(fs::read_file("/dev/zero", 1024, fs::Links::Follow).error() ==
          "/dev/zero: a device, not read");
}

TEST_CASE("a symlink is refused unless links are followed", "[read]") {
    TempDir dir;
    auto target = dir.write("token", "ghp_value\n");
    auto link = dir.str() + "/link";
    std::filesystem::create_symlink(target, link);
    CHECK(fs::read_file(link, 1024).error() == link + ": a symlink, not read");
    CHECK(fs::read_file(link, 1024, fs::Links::Follow).value() == "ghp_value\n");
    auto to_zero = dir.str() + "/zero";
    std::filesystem::create_symlink("/dev/zero", to_zero);
    CHECK_FALSE(fs::read_file(to_zero, 1024, fs::Links::Follow));
}

TEST_CASE("a file larger than its cap is refused, and says the cap", "[read]") {
    TempDir dir;
    auto big = dir.write("big", std::string(2048, 'x'));
    CHECK(fs::read_file(big, 2048).value()->size() == 2048);
    CHECK(fs::read_file(big, 2047).error() == big + ": larger than 2047 bytes, not read");
    CHECK(fs::read_file(big, 1024).error() == big + ": larger than 1 KiB, not read");
    CHECK(fs::size_text(fs::kMaxKeyFile) == "64 KiB");
    CHECK(fs::size_text(fs::kMaxTextFile) == "1 MiB");
}

TEST_CASE("a file that reports no size is still read only up to its cap", "[read]") {
    // /proc files say 0 bytes and then produce more.
    auto self = fs::read_file("/proc/self/status", fs::kMaxTextFile, fs::Links::Follow);
    REQUIRE(self);
    CHECK((*self)->find("Name:") == 0);
    CHECK_FALSE(fs::read_file("/proc/self/status", 16, fs::Links::Follow));
}
