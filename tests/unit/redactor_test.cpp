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

TEST_CASE("a long line is cut where no secret is torn and nothing that may start one goes out",
          "[redact]") {
    Redactor registry;
    CHECK(registry.safe_prefix("anything at all") == 15);  // no secret: all of it
    registry.add("ghp_0123456789");                        // 14 bytes
    std::string text = std::string(20, 'x') + "ghp_01234";
    CHECK(registry.safe_prefix(text) == text.size() - 13);  // the last 13 bytes may begin it
    std::string through = std::string(10, 'x') + "ghp_0123456789" + "yyyy";
    // A cut at size - 13 = 15 would fall inside the token: it moves past it.
    CHECK(registry.safe_prefix(through) == 24);
    CHECK(registry.redact(through.substr(0, 24)) == std::string(10, 'x') + "[redacted]");
}

TEST_CASE("relayed in pieces at every split point, a secret never shows", "[redact]") {
    Redactor registry;
    const std::string secret = "ghp_SecretTokenValue0123456789";
    registry.add(secret);
    std::string line = std::string(50, 'a') + secret + std::string(7, 'b');
    for (size_t first = 1; first < line.size(); ++first) {
        // What a relay holding `first` bytes, then the rest, puts out.
        std::string held(line.substr(0, first));
        std::string out;
        auto cut = registry.safe_prefix(held);
        out += registry.redact(held.substr(0, cut));
        held.erase(0, cut);
        held += line.substr(first);
        out += registry.redact(held);
        INFO(first);
        CHECK(out.find("SecretToken") == std::string::npos);
        CHECK(out.find("0123456789") == std::string::npos);
    }
}
