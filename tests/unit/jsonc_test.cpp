#include "dev8/fs/jsonc.h"

#include <catch2/catch.hpp>

using dev8::fs::JsoncObject;

namespace {

JsoncObject parsed(const std::string& text) {
    auto object = JsoncObject::parse(text);
    INFO(text);
    REQUIRE(object);
    return *object;
}

std::string rejection(const std::string& text) {
    auto object = JsoncObject::parse(text);
    INFO(text);
    REQUIRE_FALSE(object);
    return object.error();
}

const JsoncObject::Members kOne = {{"b", 2}};

}  // namespace

TEST_CASE("an empty or blank file reads as an empty object and gets a new one") {
    for (std::string text : {"", "  \n\n", "\t"}) {
        auto object = parsed(text);
        CHECK(object.keys().empty());
        CHECK(object.with_members(kOne) == "{\n    \"b\": 2\n}\n");
    }
}

TEST_CASE("an empty object gets the members on lines of their own") {
    CHECK(parsed("{}").with_members(kOne) == "{\n    \"b\": 2\n}");
    CHECK(parsed("{}\n").with_members({{"a", 1}, {"b", 2}}) ==
          "{\n    \"a\": 1,\n    \"b\": 2\n}\n");
    CHECK(parsed("{\n}\n").with_members(kOne) == "{\n    \"b\": 2\n}\n");
    CHECK(parsed("{\n  // nothing yet\n}").with_members(kOne) ==
          "{\n  // nothing yet\n    \"b\": 2\n}");
}

TEST_CASE("comments, trailing commas and user values survive byte for byte") {
    const std::string original =
        "// My settings\n"
        "{\n"
        "  /* theme\n"
        "     chosen with care */\n"
        "  \"workbench.colorTheme\":   \"Solarized Dark\", // mine\n"
        "  \"editor.rulers\": [80, 100,],\n"
        "  \"files.autoSave\" : \"off\",\n"
        "}\n"
        "// trailing comment\n";
    auto object = parsed(original);
    CHECK(object.keys() ==
          std::vector<std::string>{"workbench.colorTheme", "editor.rulers", "files.autoSave"});
    auto updated = object.with_members({{"telemetry.telemetryLevel", "off"}});
    auto brace_line = original.find("}\n//");
    CHECK(updated == original.substr(0, brace_line) + "  \"telemetry.telemetryLevel\": \"off\"\n" +
                         original.substr(brace_line));
}

TEST_CASE("a comma is added after the last member only when it lacks one") {
    CHECK(parsed("{\n    \"a\": 1\n}\n").with_members(kOne) ==
          "{\n    \"a\": 1,\n    \"b\": 2\n}\n");
    CHECK(parsed("{\n    \"a\": 1,\n}\n").with_members(kOne) ==
          "{\n    \"a\": 1,\n    \"b\": 2\n}\n");
    CHECK(parsed("{\n    \"a\": 1 // one\n}\n").with_members(kOne) ==
          "{\n    \"a\": 1, // one\n    \"b\": 2\n}\n");
    CHECK(parsed("{\n    \"a\": 1 /* , */ , /* one */\n}").with_members(kOne) ==
          "{\n    \"a\": 1 /* , */ , /* one */\n    \"b\": 2\n}");
}

TEST_CASE("a closing brace that shares its line gets a line of its own") {
    CHECK(parsed("{\"a\": 1}").with_members(kOne) == "{\"a\": 1,\n    \"b\": 2\n}");
    CHECK(parsed("{\n  \"a\": [1,\n 2]}").with_members(kOne) ==
          "{\n  \"a\": [1,\n 2],\n  \"b\": 2\n}");
}

TEST_CASE("new members follow the indentation of the last member, nested values too") {
    auto value = nlohmann::json::object({{"*", true}});
    CHECK(parsed("{\n\t\"a\": 1\n}").with_members({{"c", value}}) ==
          "{\n\t\"a\": 1,\n\t\"c\": {\n\t\t\"*\": true\n\t}\n}");
    CHECK(parsed("{\n  \"a\": 1\n}").with_members({{"c", value}}) ==
          "{\n  \"a\": 1,\n  \"c\": {\n    \"*\": true\n  }\n}");
    CHECK(parsed("{}").with_members({{"c", value}, {"d", nlohmann::json::array({1, "x"})}}) ==
          "{\n    \"c\": {\n        \"*\": true\n    },\n    \"d\": [\n        1,\n        \"x\"\n"
          "    ]\n}");
}

TEST_CASE("keys and values are written as JSON, escapes included") {
    CHECK(parsed("{}").with_members({{"say \"hi\"", "a\\b\n"}}) ==
          "{\n    \"say \\\"hi\\\"\": \"a\\\\b\\n\"\n}");
}

TEST_CASE("top-level keys are listed with their escapes decoded") {
    auto object =
        parsed(R"({"editor\u002efontSize": 14, "a\"b": 1, "t\tab\\": 2, "\ud83d\ude00": 3})");
    CHECK(object.keys() ==
          std::vector<std::string>{"editor.fontSize", "a\"b", "t\tab\\", "\xF0\x9F\x98\x80"});
    CHECK(object.contains("editor.fontSize"));
    CHECK_FALSE(object.contains("editor\\u002efontSize"));
}

TEST_CASE("strings holding //, /*, braces and escaped quotes do not confuse the scanner") {
    const std::string text =
        R"({ "url": "http://example.com/*", "brace": "}", "quote": "say \"}\" // not a comment",)"
        "\n  \"last\": \"\\\\\"\n}";
    auto object = parsed(text);
    CHECK(object.keys() == std::vector<std::string>{"url", "brace", "quote", "last"});
    CHECK(object.with_members(kOne) == text.substr(0, text.size() - 2) + ",\n  \"b\": 2\n}");
}

TEST_CASE("nested objects and arrays are walked over; only top-level keys are listed") {
    auto object = parsed(R"({
        "[python]": {"editor.tabSize": 4, "inner": {"deep": [1, {"x": null}, [true, false]]}},
        "list": [-1.5e3, 0, "}", {}, []],
        "after": {}
    })");
    CHECK(object.keys() == std::vector<std::string>{"[python]", "list", "after"});
    CHECK_FALSE(object.contains("editor.tabSize"));
}

TEST_CASE("a file that is not an object is rejected") {
    CHECK_THAT(rejection("[1, 2]"),
               Catch::Contains("line 1, column 1") && Catch::Contains("array"));
    CHECK_THAT(rejection("\n\n  \"text\""), Catch::Contains("line 3, column 3"));
    CHECK_THAT(rejection("42"), Catch::Contains("number"));
    CHECK_THAT(rejection("null"), Catch::Contains("object"));
    CHECK_THAT(rejection("{} {}"), Catch::Contains("after the closing brace"));
}

TEST_CASE("a corrupt file is rejected with the line and column of the fault") {
    CHECK_THAT(rejection("{\n  \"a\": 1\n  \"b\": 2\n}"),
               Catch::Contains("line 3, column 3") && Catch::Contains("','"));
    CHECK_THAT(rejection("{\n  \"a\": \"open\n}"), Catch::Contains("line 2"));
    CHECK_THAT(rejection("{ /* never closed }"), Catch::Contains("comment"));
    CHECK_THAT(rejection("{ \"a\": 1"), Catch::Contains("end of file"));
    CHECK_THAT(rejection("{ \"a\" 1 }"), Catch::Contains("':'"));
    CHECK_THAT(rejection("{ a: 1 }"), Catch::Contains("key"));
    CHECK_THAT(rejection("{ , }"), Catch::Contains("key"));
    CHECK_THAT(rejection("{ \"a\": 1,, }"), Catch::Contains("key"));
    CHECK_THAT(rejection("{ \"a\": [1,,2] }"), Catch::Contains("value"));
    CHECK_THAT(rejection("{ \"a\": tru }"), Catch::Contains("value"));
    CHECK_THAT(rejection("{ \"a\": 01 }"), Catch::Contains("','"));
    CHECK_THAT(rejection("{ \"a\": 1. }"), Catch::Contains("number"));
    CHECK_THAT(rejection(R"({ "a\x": 1 })"), Catch::Contains("escape"));
    CHECK_THAT(rejection(R"({ "\u12": 1 })"), Catch::Contains("escape"));
    CHECK_THAT(rejection("{ \"a\": 1 } ]"), Catch::Contains("after the closing brace"));
}

TEST_CASE("absurdly deep nesting is rejected rather than overflowing the stack") {
    std::string text = "{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    CHECK_THAT(rejection(text), Catch::Contains("nested too deeply"));
}

TEST_CASE("a file holding only comments keeps them above the new object") {
    CHECK(parsed("// settings\n").with_members(kOne) == "// settings\n{\n    \"b\": 2\n}\n");
    CHECK(parsed("// no newline").with_members(kOne) == "// no newline\n{\n    \"b\": 2\n}\n");
    CHECK(parsed("/* a */").with_members(kOne) == "/* a */\n{\n    \"b\": 2\n}\n");
}

TEST_CASE("Windows line endings and a byte order mark are kept") {
    CHECK(parsed("{\r\n  \"a\": 1\r\n}\r\n").with_members(kOne) ==
          "{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}\r\n");
    auto with_bom = parsed("\xEF\xBB\xBF{\"a\": 1}");
    CHECK(with_bom.keys() == std::vector<std::string>{"a"});
    CHECK(with_bom.with_members(kOne) == "\xEF\xBB\xBF{\"a\": 1,\n    \"b\": 2\n}");
}

TEST_CASE("adding nothing returns the text unchanged, and the result parses again") {
    const std::string text = "{\n  \"a\": 1, // c\n}\n";
    auto object = parsed(text);
    CHECK(object.with_members({}) == text);
    auto again = parsed(object.with_members({{"b", nlohmann::json::object({{"x", {1, 2}}})}}));
    CHECK(again.keys() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a // comment ends at a lone CR, as VS Code reads it") {
    std::string text = "{\r  // the user's comment\r  \"a\": 1\r}";
    auto object = JsoncObject::parse(text);
    REQUIRE(object);
    CHECK(object->keys() == std::vector<std::string>{"a"});
    auto edited = object->with_members({{"b", 2}});
    CHECK(edited.starts_with("{\r  // the user's comment\r  \"a\": 1,"));
    auto again = JsoncObject::parse(edited);
    REQUIRE(again);
    CHECK(again->keys() == std::vector<std::string>{"a", "b"});

    auto only_comment = JsoncObject::parse("// settings\r");
    REQUIRE(only_comment);
    auto made = only_comment->with_members({{"b", 2}});
    CHECK(made.starts_with("// settings\r{"));
    CHECK(JsoncObject::parse(made).value().keys() == std::vector<std::string>{"b"});
}
