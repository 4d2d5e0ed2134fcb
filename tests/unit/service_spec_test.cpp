#include "dev8/supervisor/service_spec.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace dev8::supervisor;

namespace {

ServiceDefaults defaults() {
    ServiceDefaults d;
    d.user.name = "dev8";
    d.cwd = "/workspace";
    return d;
}

std::string error_of(const char* json) {
    auto spec = parse_service_spec(nlohmann::json::parse(json), defaults());
    return spec ? "" : spec.error();
}

}  // namespace

TEST_CASE("service names must be lower-case words and not reserved") {
    CHECK(is_valid_service_name("jupyter"));
    CHECK(is_valid_service_name("a-1"));
    CHECK_FALSE(is_valid_service_name("-a"));
    CHECK_FALSE(is_valid_service_name("Jupyter"));
    CHECK_FALSE(is_valid_service_name(""));
    CHECK(is_reserved_service_name("main"));
    CHECK(is_reserved_service_name("code-server"));
}

TEST_CASE("a service file's mistakes are named") {
    CHECK_THAT(error_of(R"({"command": ["x"]})"), Catch::Contains("\"name\""));
    CHECK_THAT(error_of(R"({"name": "a"})"), Catch::Contains("\"command\""));
    CHECK_THAT(error_of(R"({"name": "a", "command": []})"), Catch::Contains("\"command\""));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "restart": "sometimes"})"),
               Catch::Contains("\"restart\""));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "ready": {"tcp": 0}})"),
               Catch::Contains("ready.tcp"));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "cwd": "rel"})"),
               Catch::Contains("\"cwd\""));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "colour": "red"})"),
               Catch::Contains("colour"));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "essential": "yes"})"),
               Catch::Contains("essential"));
}

TEST_CASE("a NUL in a command, cwd or env is refused, never cut short at exec") {
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x", "a\u0000b"]})"),
               Catch::Contains("\"command\" holds a NUL"));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "cwd": "/tmp\u0000/x"})"),
               Catch::Contains("\"cwd\""));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "env": {"K": "v\u0000w"}})"),
               Catch::Contains("\"env\".K holds a NUL"));
    CHECK_THAT(error_of(R"({"name": "a", "command": ["x"], "env": {"K\u0000": "v"}})"),
               Catch::Contains("invalid variable name"));
}

TEST_CASE("an http ready probe is accepted") {
    auto spec = parse_service_spec(
        nlohmann::json::parse(
            R"({"name": "web", "command": ["x"], "ready": {"http": "http://127.0.0.1:1/"}})"),
        defaults());
    REQUIRE(spec);
    CHECK(std::get<HttpProbe>(spec->ready).url == "http://127.0.0.1:1/");
}

TEST_CASE("an http ready probe needs an http:// or https:// URL") {
    for (const char* url : {"httpx://127.0.0.1/", "http*//127.0.0.1/", "http", "ftp://host/"}) {
        auto doc = nlohmann::json{{"name", "web"}, {"command", {"x"}}, {"ready", {{"http", url}}}};
        INFO(url);
        auto spec = parse_service_spec(doc, defaults());
        REQUIRE_FALSE(spec);
        CHECK_THAT(spec.error(), Catch::Contains("ready.http"));
    }
    auto https = nlohmann::json{
        {"name", "web"}, {"command", {"x"}}, {"ready", {{"http", "https://127.0.0.1:8443/"}}}};
    CHECK(parse_service_spec(https, defaults()));
}
