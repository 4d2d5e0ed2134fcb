#include "dev8/steps/hooks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"

using namespace dev8::steps;

namespace {

constexpr uid_t kDeveloper = 1000;

// A hook in a folder of its own under the temp dir; both root's, 0755.
struct HookDir {
    TempDir tmp;
    std::string dir = tmp.str() + "/init.d";
    std::string hook = dir + "/10-setup";

    HookDir() {
        ::mkdir(dir.c_str(), 0755);
        tmp.write("init.d/10-setup", "#!/bin/sh\n");
        ::chmod(hook.c_str(), 0755);
        ::chmod(tmp.str().c_str(), 0755);
    }
};

}  // namespace

TEST_CASE("an image hook root owns and only root may change is safe", "[root]") {
    HookDir d;
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) == std::nullopt);
}

TEST_CASE("an image hook others may write, or that another user owns, is refused", "[root]") {
    HookDir d;
    ::chmod(d.hook.c_str(), 0757);
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) == d.hook + " is writable by anyone");
    ::chmod(d.hook.c_str(), 0755);
    REQUIRE(::chown(d.hook.c_str(), kDeveloper, kDeveloper) == 0);
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) ==
          d.hook + " belongs to uid 1000, not root");
    // The developer's own hooks may be the developer's.
    CHECK(unsafe_hook(d.hook, HookOwner::Developer, kDeveloper) == std::nullopt);
}

TEST_CASE("a folder on the hook's path others may write is refused, unless sticky above it",
          "[root]") {
    HookDir d;
    ::chmod(d.dir.c_str(), 0775);
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) == d.dir + " is writable by its group");
    ::chmod(d.dir.c_str(), 0755);
    ::chmod(d.tmp.str().c_str(), 0777);
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) ==
          d.tmp.str() + " is writable by its group and anyone");
    ::chmod(d.tmp.str().c_str(), 01777);  // like /tmp: nobody else may replace init.d
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) == std::nullopt);
    ::chmod(d.dir.c_str(), 01777);  // but the hook's own folder may not be shared
    CHECK(unsafe_hook(d.hook, HookOwner::Image, kDeveloper) ==
          d.dir + " is writable by its group and anyone");
}

TEST_CASE("a symlink or a folder is not a hook") {
    HookDir d;
    REQUIRE(::symlink("/bin/true", (d.dir + "/20-link").c_str()) == 0);
    CHECK(unsafe_hook(d.dir + "/20-link", HookOwner::Image, kDeveloper) ==
          d.dir + "/20-link is a symlink");
    ::mkdir((d.dir + "/30-folder").c_str(), 0755);
    CHECK(unsafe_hook(d.dir + "/30-folder", HookOwner::Image, kDeveloper) ==
          d.dir + "/30-folder is not a regular file");
}
