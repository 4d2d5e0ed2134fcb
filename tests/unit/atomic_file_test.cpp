#include "dev8/fs/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "dev8/fs/read_file.h"
#include "temp_dir.h"

using namespace dev8::fs;

namespace {

struct stat stat_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st;
}

}  // namespace

TEST_CASE("a file is written with its mode and read back") {
    TempDir dir;
    auto path = dir.str() + "/token";
    REQUIRE(write_file_atomic(path, "secret\n", 0600) == WriteOutcome::Written);
    CHECK((stat_of(path).st_mode & 07777) == 0600);
    CHECK(read_file(path, dev8::fs::kMaxTextFile).value() == "secret\n");
}

TEST_CASE("writing the same bytes again leaves the file and its mtime alone") {
    TempDir dir;
    auto path = dir.str() + "/settings.json";
    REQUIRE(write_file_atomic(path, "{}", 0644));
    struct timespec old_time[2] = {{1, 0}, {1, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old_time, 0) == 0);
    CHECK(write_file_atomic(path, "{}", 0644) == WriteOutcome::Unchanged);
    CHECK(stat_of(path).st_mtime == 1);
    CHECK(write_file_atomic(path, "{}", 0600) == WriteOutcome::Written);  // mode differs
    CHECK((stat_of(path).st_mode & 07777) == 0600);
}

TEST_CASE("no temporary file is left behind and a missing file reads as nullopt") {
    TempDir dir;
    REQUIRE(write_file_atomic(dir.str() + "/a", "x", 0644));
    REQUIRE(write_file_atomic(dir.str() + "/a", "y", 0644));
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path))
        ++files;
    CHECK(files == 1);
    CHECK(read_file(dir.str() + "/missing", dev8::fs::kMaxTextFile).value() == std::nullopt);
}

TEST_CASE("a write into a missing directory fails naming the file") {
    TempDir dir;
    auto result = write_file_atomic(dir.str() + "/no/such/file", "x", 0644);
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error(), Catch::Contains("/no/such/file"));
}

TEST_CASE("directories are created with the requested mode") {
    TempDir dir;
    auto path = dir.str() + "/a/b/.ssh";
    REQUIRE(ensure_directory(path, 0700));
    CHECK((stat_of(path).st_mode & 07777) == 0700);
    ::chmod(path.c_str(), 0755);
    REQUIRE(ensure_directory(path, 0700));
    CHECK((stat_of(path).st_mode & 07777) == 0700);
}
