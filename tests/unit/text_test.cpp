#include "dev8/fs/text.h"

#include <catch2/catch.hpp>

using namespace dev8::fs;
using Parts = std::vector<std::string_view>;

TEST_CASE("trim drops blanks at both ends, trim_end only at the end", "[text]") {
    CHECK(trim("  a b\t\r\n") == "a b");
    CHECK(trim(" \t\n ").empty());
    CHECK(trim("").empty());
    CHECK(trim("--x--", "-") == "x");
    CHECK(trim_end("  a \r\n") == "  a");
    CHECK(trim_end("a\n\n", "\n") == "a");
}

TEST_CASE("split keeps empty parts, so fields keep their places", "[text]") {
    CHECK(split("a,,b", ',') == Parts{"a", "", "b"});
    CHECK(split("", ':') == Parts{""});
    CHECK(split("root:x:0:0::/root:/bin/sh", ':').size() == 7);
    CHECK(split("/bin:", ':') == Parts{"/bin", ""});
}

TEST_CASE("lines keep their newline, so joining them gives the text back", "[text]") {
    CHECK(lines("a\nb\r\nc") == Parts{"a\n", "b\r\n", "c"});
    CHECK(lines("\n\n") == Parts{"\n", "\n"});
    CHECK(lines("").empty());
}
