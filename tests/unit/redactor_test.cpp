#include "dev8/log/redactor.h"

#include <catch2/catch.hpp>

using dev8::log::Redactor;

TEST_CASE("a registered secret is replaced wherever it appears") {
    Redactor registry;
    registry.add("ghp_abcdef123456");
    CHECK(registry.redact("token=ghp_abcdef123456 and again ghp_abcdef123456") ==
          "token=[redacted] and again [redacted]");
}

TEST_CASE("text without secrets passes through unchanged") {
    Redactor registry;
    registry.add("s3cr3t-value");
    CHECK(registry.redact("nothing to see") == "nothing to see");
}

TEST_CASE("a longer secret is redacted whole even when a shorter one is its prefix") {
    Redactor registry;
    registry.add("abcd1234");
    registry.add("abcd1234efgh5678");
    CHECK(registry.redact("x abcd1234efgh5678 y") == "x [redacted] y");
}

TEST_CASE("each line of a multi-line secret is redacted on its own") {
    Redactor registry;
    registry.add(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACDx\n"
        "-----END OPENSSH PRIVATE KEY-----");
    CHECK(registry.redact("line: b3BlbnNzaC1rZXktdjEAAAAA") == "line: [redacted]");
    CHECK(registry.redact("-----END OPENSSH PRIVATE KEY-----") ==
          "-----END OPENSSH PRIVATE KEY-----");
}

TEST_CASE("an empty secret registers nothing") {
    Redactor registry;
    registry.add("");
    CHECK(registry.redact("abc") == "abc");
}
