#include "dev8/steps/git_config.h"

#include <catch2/catch.hpp>

using namespace dev8;
using namespace std::string_literals;

TEST_CASE("git's --list --null output gives each key its values in order", "[git-config]") {
    auto listing =
        "user.name\nAda Lovelace\0"
        "credential.https://github.com.helper\n\0"
        "credential.https://github.com.helper\n/usr/local/bin/dev8-init git-credential\0"
        "core.bare\0"
        "alias.lg\nlog --graph\n--oneline\0"s;
    auto entries = steps::parse_git_config_list(listing);
    CHECK(entries["user.name"] == std::vector<std::string>{"Ada Lovelace"});
    CHECK(entries["credential.https://github.com.helper"] ==
          std::vector<std::string>{"", "/usr/local/bin/dev8-init git-credential"});
    CHECK(entries["core.bare"] == std::vector<std::string>{"true"});
    CHECK(entries["alias.lg"] == std::vector<std::string>{"log --graph\n--oneline"});
    CHECK(entries.size() == 4);
}

TEST_CASE("an empty or truncated listing gives what it holds and nothing more", "[git-config]") {
    CHECK(steps::parse_git_config_list("").empty());
    auto entries = steps::parse_git_config_list("user.email\nada@example.com"s);
    CHECK(entries["user.email"] == std::vector<std::string>{"ada@example.com"});
    CHECK(steps::parse_git_config_list("\0\0"s).empty());
}
