#include "dev8/fs/marked_block.h"

#include <catch2/catch.hpp>

using namespace dev8::fs;

namespace {

constexpr Markers kMarkers{"# >>> ours >>>", "# <<< ours <<<"};
const std::string kBlock = "# >>> ours >>>\nmine\n# <<< ours <<<\n";

}  // namespace

TEST_CASE("a block is replaced where it stands, every other byte kept", "[marked]") {
    auto text = MarkedText::parse("a\r\n# >>> ours >>>  \nold\n# <<< ours <<<\nb", kMarkers);
    CHECK(text.found());
    CHECK_FALSE(text.unterminated());
    CHECK(text.outside() == "a\r\nb");
    CHECK(text.with(kBlock, Placement::End) == "a\r\n" + kBlock + "b");
}

TEST_CASE("without a block, the new one goes at the start or at the end", "[marked]") {
    auto text = MarkedText::parse("x\ny", kMarkers);
    CHECK_FALSE(text.found());
    CHECK(text.with(kBlock, Placement::Start) == kBlock + "x\ny");
    CHECK(text.with(kBlock, Placement::End) == "x\ny\n" + kBlock);
    CHECK(MarkedText::parse("", kMarkers).with(kBlock, Placement::End) == kBlock);
}

TEST_CASE("an empty block removes the blocks; a second block is dropped", "[marked]") {
    auto text = MarkedText::parse(kBlock + "x\n" + kBlock + "y\n", kMarkers);
    CHECK(text.with(kBlock, Placement::Start) == kBlock + "x\ny\n");
    CHECK(text.with("", Placement::Start) == "x\ny\n");
    CHECK(MarkedText::parse("x\n", kMarkers).with("", Placement::End) == "x\n");
}

TEST_CASE("a lone end marker is the user's line", "[marked]") {
    auto text = MarkedText::parse("# <<< ours <<<\nx\n", kMarkers);
    CHECK_FALSE(text.found());
    CHECK(text.outside() == "# <<< ours <<<\nx\n");
}

TEST_CASE("a block whose end marker was deleted runs to the end, or covers its own lines",
          "[marked]") {
    std::string broken = "a\n# >>> ours >>>\nmine\nuser line\n";
    SECTION("to the end of the text, or the next block") {
        auto text = MarkedText::parse(broken, kMarkers);
        CHECK(text.unterminated());
        CHECK(text.outside() == "a\n");
        auto twice = MarkedText::parse("# >>> ours >>>\nx\n" + kBlock + "y\n", kMarkers);
        CHECK(twice.unterminated());
        CHECK(twice.outside() == "y\n");
    }
    SECTION("the lines it would have written") {
        auto text = MarkedText::parse(broken, kMarkers,
                                      [](std::string_view line) { return line == "mine"; });
        CHECK(text.unterminated());
        CHECK(text.with(kBlock, Placement::Start) == "a\n" + kBlock + "user line\n");
    }
}
