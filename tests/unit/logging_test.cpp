#include "dev8/log/logging.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "capture.h"
#include "dev8/log/redactor.h"

using namespace dev8;

TEST_CASE("relayed service output is prefixed, redacted and kept on its stream") {
    log::redactor().add("sk-relay-secret-123");
    log::setup(log::Format::Text, spdlog::level::info);
    Capture out(STDOUT_FILENO);
    Capture err(STDERR_FILENO);
    log::relay("jupyter", log::Stream::Out, "key is sk-relay-secret-123");
    log::relay("jupyter", log::Stream::Err, "warning line");
    CHECK(out.text() == "[jupyter] key is [redacted]\n");
    CHECK(err.text() == "[jupyter] warning line\n");
}

TEST_CASE("json format gives one object a line with service and msg") {
    log::setup(log::Format::Json, spdlog::level::info);
    Capture out(STDOUT_FILENO);
    log::relay("web", log::Stream::Out, "hello \"world\"");
    auto doc = nlohmann::json::parse(out.text());
    CHECK(doc["service"] == "web");
    CHECK(doc["msg"] == "hello \"world\"");
    CHECK(doc["stream"] == "stdout");
    log::setup(log::Format::Text, spdlog::level::info);
}

TEST_CASE("dev8-init's own log lines are redacted") {
    log::redactor().add("ghp_ownlog_secret_456");
    log::setup(log::Format::Json, spdlog::level::info);
    Capture err(STDERR_FILENO);
    spdlog::info("token ghp_ownlog_secret_456 loaded");
    auto doc = nlohmann::json::parse(err.text());
    CHECK(doc["msg"] == "token [redacted] loaded");
    CHECK(doc["level"] == "info");
    log::setup(log::Format::Text, spdlog::level::info);
}

TEST_CASE("log formats and levels are parsed by name") {
    CHECK(log::parse_format("json") == log::Format::Json);
    CHECK_FALSE(log::parse_format("xml"));
    CHECK(log::parse_level("trace") == spdlog::level::trace);
    CHECK(log::parse_level("error") == spdlog::level::err);
    CHECK_FALSE(log::parse_level("loud"));
}
