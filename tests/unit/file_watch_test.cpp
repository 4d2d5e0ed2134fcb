#include "dev8/loop/file_watch.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"

using namespace dev8;
using namespace std::chrono_literals;

namespace {

// Runs the loop until `changed` was called or a deadline passed.
int changes_after(loop::EventLoop& loop, int& changed, const std::function<void()>& act) {
    int before = changed;
    act();
    auto deadline = loop.after(5s, [&loop] { loop.stop(); });
    std::function<void()> poll;
    auto next = loop.after(0ms, [&poll] { poll(); });
    poll = [&] {
        if (changed > before) {
            loop.cancel(deadline);
            loop.stop();
        } else {
            next = loop.after(5ms, [&poll] { poll(); });
        }
    };
    loop.run();
    // Nothing of this call may fire in the next one's run.
    loop.cancel(deadline);
    loop.cancel(next);
    return changed - before;
}

}  // namespace

TEST_CASE("a file that does not exist yet is seen when it is written", "[watch]") {
    TempDir dir;
    loop::EventLoop loop;
    int changed = 0;
    loop::FileWatch watch(loop, dir.str() + "/token", [&changed] { ++changed; });
    REQUIRE(watch.watching());
    CHECK(changes_after(loop, changed, [&] { dir.write("token", "ghp_first"); }) > 0);
    CHECK(changes_after(loop, changed, [&] {
              dir.write("token.new", "ghp_second");
              std::filesystem::rename(dir.path / "token.new", dir.path / "token");
          }) > 0);
}

TEST_CASE("a Kubernetes secret's ..data swap is seen", "[watch]") {
    TempDir dir;
    std::filesystem::create_directory(dir.path / "v1");
    dir.write("v1/token", "ghp_first");
    std::filesystem::create_directory_symlink("v1", dir.path / "..data");
    std::filesystem::create_symlink("..data/token", dir.path / "token");
    loop::EventLoop loop;
    int changed = 0;
    loop::FileWatch watch(loop, dir.str() + "/token", [&changed] { ++changed; });
    CHECK(changes_after(loop, changed, [&] {
              std::filesystem::create_directory(dir.path / "v2");
              dir.write("v2/token", "ghp_second");
              std::filesystem::create_directory_symlink("v2", dir.path / "..data_tmp");
              std::filesystem::rename(dir.path / "..data_tmp", dir.path / "..data");
          }) > 0);
}

// What a Docker bind mount of one secret file does: the host writes the same
// inode through a path in another directory.
TEST_CASE("a write to the file through another path is seen", "[watch]") {
    TempDir dir;
    std::filesystem::create_directory(dir.path / "host");
    std::filesystem::create_directory(dir.path / "container");
    dir.write("host/token", "ghp_first");
    std::filesystem::create_hard_link(dir.path / "host/token", dir.path / "container/token");
    loop::EventLoop loop;
    int changed = 0;
    loop::FileWatch watch(loop, dir.str() + "/container/token", [&changed] { ++changed; });
    CHECK(changes_after(loop, changed, [&] { dir.write("host/token", "ghp_second"); }) > 0);
    CHECK(changes_after(loop, changed, [&] { dir.write("host/token", "ghp_third"); }) > 0);
}

TEST_CASE("other files in the directory are not this file's changes", "[watch]") {
    TempDir dir;
    loop::EventLoop loop;
    int changed = 0;
    loop::FileWatch watch(loop, dir.str() + "/token", [&changed] { ++changed; });
    dir.write("unrelated", "x");
    loop.after(100ms, [&loop] { loop.stop(); });
    loop.run();
    CHECK(changed == 0);
}

TEST_CASE("a directory that does not exist cannot be watched", "[watch]") {
    loop::EventLoop loop;
    loop::FileWatch watch(loop, "/nonexistent-dev8/token", [] {});
    CHECK_FALSE(watch.watching());
}
