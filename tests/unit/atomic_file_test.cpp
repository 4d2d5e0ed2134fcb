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

TEST_CASE("a file written in an open directory replaces a link at its name, never follows it") {
    TempDir dir;
    auto target = dir.write("target", "not to be touched\n");
    REQUIRE(::symlink(target.c_str(), (dir.str() + "/key").c_str()) == 0);
    UniqueFd fd(::open(dir.str().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd);
    auto written = write_file_atomic_at(fd.get(), "key", "new\n", 0600, std::nullopt, "the key");
    REQUIRE(written == WriteOutcome::Written);
    CHECK(read_file(target, dev8::fs::kMaxTextFile).value() == "not to be touched\n");
    CHECK(read_file(dir.str() + "/key", dev8::fs::kMaxTextFile).value() == "new\n");
    CHECK(write_file_atomic_at(fd.get(), "key", "new\n", 0600, std::nullopt, "the key") ==
          WriteOutcome::Unchanged);
}

TEST_CASE("a directory is reached without a link anyone but root could have planted") {
    TempDir dir;
    auto real = dir.str() + "/real";
    REQUIRE(::mkdir(real.c_str(), 0755) == 0);
    auto shared = dir.str() + "/shared";
    REQUIRE(::mkdir(shared.c_str(), 0777) == 0);
    ::chmod(shared.c_str(), 0777);
    REQUIRE(::symlink(real.c_str(), (shared + "/link").c_str()) == 0);
    auto through = open_directory(shared + "/link");
    REQUIRE_FALSE(through);
    CHECK(through.error() == shared + "/link: a symlink in a directory root does not own, refused");
    CHECK(open_directory(real));
    CHECK(open_directory(dir.str() + "/missing")
              .error()
              .starts_with(dir.str() + "/missing: cannot open"));
    CHECK(open_directory("relative").error() == "relative: not an absolute path");
    auto file = dir.write("file", "");
    CHECK(open_directory(file).error() == file + ": not a directory");
}
