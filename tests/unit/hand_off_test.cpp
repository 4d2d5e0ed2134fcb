#include "dev8/credentials/hand_off.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "dev8/credentials/shell_env.h"
#include "dev8/fs/read_file.h"
#include "temp_dir.h"

using namespace dev8;

namespace {

struct Fixture {
    TempDir home;
    config::Config config;
    process::Reaper reaper;

    Fixture() {
        config.developer = {"dev", ::getuid(), ::getgid(), home.str(), "/bin/sh", {::getgid()}};
        config.secrets.anthropic_api_key =
            config::Secret{"sk-ant-first-key", "ANTHROPIC_API_KEY_FILE=/k"};
    }
    std::string env_file() const {
        return fs::read_file(credentials::shell_env_path(config.developer), fs::kMaxTextFile)
            .value()
            .value_or("");
    }
};

bool holds(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("new AI keys reach the env file and the old ones leave it", "[hand-off]") {
    Fixture f;
    credentials::HandOff hand_off(f.config, f.reaper);
    auto updated = hand_off.update_ai_keys(config::Secret{"sk-ant-second-key", "x"},
                                           config::Secret{"sk-openai-new-key", "y"});
    REQUIRE(updated);
    CHECK(*updated == "env file updated with the new AI keys");
    CHECK(holds(f.env_file(), "ANTHROPIC_API_KEY='sk-ant-second-key'"));
    CHECK(holds(f.env_file(), "OPENAI_API_KEY='sk-openai-new-key'"));
    CHECK_FALSE(holds(f.env_file(), "sk-ant-first-key"));
    CHECK(hand_off.update_ai_keys(config::Secret{"sk-ant-second-key", "x"}, std::nullopt).value() ==
          "AI keys unchanged");
}

TEST_CASE("a key change keeps a rotated token, and a rotation keeps the new keys", "[hand-off]") {
    Fixture f;
    f.config.secrets.github_token = config::Secret{"ghp_token_at_start", "GITHUB_TOKEN_FILE=/t"};
    credentials::HandOff hand_off(f.config, f.reaper);
    github::TokenCheck check;
    check.login = "octocat";
    // Without gh on the PATH the rotation still reaches git and the env file.
    auto path = ::getenv("PATH") ? std::string(::getenv("PATH")) : std::string();
    ::setenv("PATH", "/nonexistent", 1);
    auto rotated = hand_off.rotate_token("ghp_rotated_token", check, {});
    ::setenv("PATH", path.c_str(), 1);
    REQUIRE(rotated);
    REQUIRE(hand_off.update_ai_keys(config::Secret{"sk-ant-later-key", "x"}, std::nullopt));
    auto text = f.env_file();
    CHECK(holds(text, "GH_TOKEN='ghp_rotated_token'"));
    CHECK(holds(text, "ANTHROPIC_API_KEY='sk-ant-later-key'"));
    CHECK_FALSE(holds(text, "ghp_token_at_start"));
}
