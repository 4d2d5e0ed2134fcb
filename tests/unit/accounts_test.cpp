#include "dev8/fs/accounts.h"

#include <catch2/catch.hpp>

#include "temp_dir.h"

namespace {

struct TempAccounts {
    TempDir dir;
    dev8::fs::AccountFiles files;

    TempAccounts(const std::string& passwd, const std::string& group)
        : files{dir.write("passwd", passwd), dir.write("group", group)} {}
};

const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment\n"
    "broken line\n"
    "dev8:x:1000:1000:Dev Eight:/home/dev8:/bin/bash\n";
const char* kGroup =
    "root:x:0:\n"
    "dev8:x:1000:\n"
    "docker:x:999:alice,dev8\n"
    "sudo:x:27:dev8\n"
    "audio:x:29:alice\n";

}  // namespace

TEST_CASE("a user is found by name with home, shell and supplementary groups") {
    TempAccounts t(kPasswd, kGroup);
    auto dev8 = dev8::fs::find_account("dev8", t.files);
    REQUIRE(dev8);
    CHECK(dev8->uid == 1000);
    CHECK(dev8->gid == 1000);
    CHECK(dev8->home == "/home/dev8");
    CHECK(dev8->shell == "/bin/bash");
    CHECK(dev8->groups == std::vector<gid_t>{1000, 999, 27});
}

TEST_CASE("a user is found by uid") {
    TempAccounts t(kPasswd, kGroup);
    auto root = dev8::fs::find_account(uid_t{0}, t.files);
    REQUIRE(root);
    CHECK(root->name == "root");
}

TEST_CASE("an absent user is not found and malformed lines are skipped") {
    TempAccounts t(kPasswd, kGroup);
    CHECK_FALSE(dev8::fs::find_account("broken line", t.files));
    CHECK_FALSE(dev8::fs::find_account("nobody", t.files));
    CHECK_FALSE(dev8::fs::find_account(uid_t{4242}, t.files));
}
