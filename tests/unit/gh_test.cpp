#include "dev8/credentials/gh.h"

#include <catch2/catch.hpp>

using namespace dev8;

TEST_CASE("the token gh holds for a host is read from its block of hosts.yml", "[gh]") {
    const std::string hosts =
        "github.com:\n"
        "    oauth_token: ghp_public\n"
        "    user: octo\n"
        "localhost:8443:\n"
        "    git_protocol: https\n"
        "    oauth_token: ghp_enterprise\r\n"
        "    user: octo\n";
    CHECK(credentials::gh_host_token(hosts, "github.com") == "ghp_public");
    CHECK(credentials::gh_host_token(hosts, "localhost:8443") == "ghp_enterprise");
    CHECK(credentials::gh_host_token(hosts, "example.com").empty());
    CHECK(credentials::gh_host_token("", "github.com").empty());
}

TEST_CASE("a token kept only per user or in a keyring counts as none", "[gh]") {
    const std::string hosts =
        "github.com:\n"
        "    users:\n"
        "        octo:\n"
        "            oauth_token: ghp_nested\n"
        "    user: octo\n";
    CHECK(credentials::gh_host_token(hosts, "github.com").empty());
}

TEST_CASE("a host written into hosts.yml reads back, and other hosts keep theirs", "[gh]") {
    const std::string before =
        "github.com:\n"
        "    oauth_token: ghp_old\n"
        "    user: octo\n"
        "example.org:\n"
        "    oauth_token: ghp_other\n";
    auto after = credentials::with_gh_host(before, "github.com", "octo", "ghp_new");
    CHECK(credentials::gh_host_token(after, "github.com") == "ghp_new");
    CHECK(credentials::gh_host_token(after, "example.org") == "ghp_other");
    CHECK(after.find("ghp_old") == std::string::npos);
}
