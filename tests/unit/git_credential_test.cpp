#include "dev8/credentials/git_credential.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "dev8/fs/atomic_file.h"
#include "temp_dir.h"

using namespace dev8;

namespace {

std::string ask(const std::string& home, const std::string& action, const std::string& request) {
    std::istringstream in(request);
    std::ostringstream out;
    CHECK(credentials::serve_git_credential(action, in, out, home) == 0);
    return out.str();
}

struct Home {
    TempDir dir;
    Home() {
        fs::ensure_directory(dir.str() + "/.config/dev8", 0700);
        REQUIRE(fs::write_file_atomic(
            credentials::credential_path(dir.str()),
            credentials::render_credential({"localhost:8443", "octocat", "ghp_stored_token"})
                .value(),
            0600));
    }
};

}  // namespace

TEST_CASE("git credential get returns the token for the configured host") {
    Home home;
    auto answer = ask(home.dir.str(), "get", "protocol=https\nhost=localhost:8443\n\n");
    CHECK(answer ==
          "protocol=https\nhost=localhost:8443\nusername=octocat\npassword=ghp_stored_token\n");
}

TEST_CASE("any other host or protocol gets nothing") {
    Home home;
    CHECK(ask(home.dir.str(), "get", "protocol=https\nhost=gitlab.com\n\n").empty());
    CHECK(ask(home.dir.str(), "get", "protocol=http\nhost=localhost:8443\n\n").empty());
    CHECK(ask(home.dir.str(), "get", "host=localhost:8443\n").empty());
}

TEST_CASE("store and erase are accepted and change nothing") {
    Home home;
    CHECK(ask(home.dir.str(), "store", "protocol=https\nhost=localhost:8443\npassword=x\n\n")
              .empty());
    CHECK(ask(home.dir.str(), "erase", "protocol=https\nhost=localhost:8443\n\n").empty());
    CHECK_FALSE(ask(home.dir.str(), "get", "protocol=https\nhost=localhost:8443\n\n").empty());
}

TEST_CASE("without a stored token git gets nothing") {
    TempDir empty;
    CHECK(ask(empty.str(), "get", "protocol=https\nhost=github.com\n\n").empty());
}

TEST_CASE("a login or token with a line break is never written for git") {
    for (credentials::StoredCredential c :
         {credentials::StoredCredential{"github.com", "octocat\nhost=evil.example", "ghp_token"},
          credentials::StoredCredential{"github.com", "octocat", "ghp_token\nhost=evil.example"},
          credentials::StoredCredential{"github.com", "octocat", std::string("ghp\0x", 5)}}) {
        auto text = credentials::render_credential(c);
        REQUIRE_FALSE(text);
        CHECK(text.error().find("evil") == std::string::npos);
    }
}
