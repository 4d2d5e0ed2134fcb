// The managed-block editor (fs::MarkedText) as the steps use it: the keys
// block at the end of authorized_keys, and the hook block at the start of a
// shell rc file, whose lost end marker is recovered from its own lines.
//
// Input: the user's file, then optionally a NUL and the lines of our block.
//
// Invariants:
// - the lines outside the blocks are the file's own lines, whole and in
//   order; every line before the first begin marker is among them, and with
//   no begin marker the text is all outside;
// - the new text is those lines with our block put in one place: where the
//   first block stood, else at the start or the end of the file;
// - applying the block again changes nothing (idempotent), and the new text
//   holds one well-formed block and exactly the user's lines;
// - removing the block afterwards gives back the user's lines.

#include "dev8/fs/marked_block.h"

#include <string>
#include <string_view>
#include <vector>

#include "dev8/fs/text.h"
#include "fuzz_input.h"

namespace {

using dev8::fs::MarkedText;
using dev8::fs::Placement;
using dev8::fuzz::check;

struct Use {
    dev8::fs::Markers markers;
    Placement placement;
    bool recovers_own_lines;
};

// The markers of the ssh-keys and ai-tools steps.
constexpr Use kAuthorizedKeys{
    {"# >>> dev8-init managed keys >>>", "# <<< dev8-init managed keys <<<"},
    Placement::End,
    false};
constexpr Use kShellRc{{"# >>> dev8-init >>>", "# <<< dev8-init <<<"}, Placement::Start, true};

std::string_view marker_of(std::string_view line) {
    return dev8::fs::trim_end(line, " \t\r\n");
}

struct Block {
    std::string text;
    std::vector<std::string> lines;  // between the markers, as own_line sees them
};

Block make_block(std::string_view body, const dev8::fs::Markers& markers) {
    Block block{std::string(markers.begin) + "\n", {}};
    if (!body.empty()) {
        for (auto line : dev8::fs::split(body, '\n')) {
            if (marker_of(line) == markers.begin || marker_of(line) == markers.end) continue;
            block.text += std::string(line) + "\n";
            block.lines.emplace_back(marker_of(line));
        }
    }
    block.text += std::string(markers.end) + "\n";
    return block;
}

// Whether `part` is `whole` with some lines left out.
bool is_sublist(const std::vector<std::string_view>& part,
                const std::vector<std::string_view>& whole) {
    size_t next = 0;
    for (auto line : whole) {
        if (next < part.size() && part[next] == line) ++next;
    }
    return next == part.size();
}

void check_use(std::string_view text, std::string_view body, const Use& use) {
    auto block = make_block(body, use.markers);
    MarkedText::OwnLine own_line;
    if (use.recovers_own_lines) {
        own_line = [&block](std::string_view line) {
            for (const auto& own : block.lines) {
                if (own == line) return true;
            }
            return false;
        };
    }
    auto parsed = MarkedText::parse(text, use.markers, own_line);
    const auto& outside = parsed.outside();

    auto text_lines = dev8::fs::lines(text);
    auto outside_lines = dev8::fs::lines(outside);
    check(is_sublist(outside_lines, text_lines),
          "the lines outside the block are not the file's own, in order", outside);
    size_t first_begin = std::string_view::npos;
    size_t offset = 0;
    for (auto line : text_lines) {
        if (marker_of(line) == use.markers.begin) {
            first_begin = offset;
            break;
        }
        offset += line.size();
    }
    check(parsed.found() == (first_begin != std::string_view::npos),
          "a begin marker was missed or imagined", text);
    if (!parsed.found()) {
        check(outside == text && !parsed.unterminated(), "a text without a block was changed",
              text);
    } else {
        check(outside.starts_with(text.substr(0, first_begin)),
              "a line before the first block was lost", text);
    }
    for (auto line : outside_lines) {
        check(marker_of(line) != use.markers.begin, "a begin marker was left outside", outside);
    }

    // With the block at the end, a last line without a newline gets one.
    std::string users = outside;
    if (!parsed.found() && use.placement == Placement::End && !users.empty() &&
        !users.ends_with('\n')) {
        users += '\n';
    }
    size_t at = parsed.found() ? first_begin : use.placement == Placement::Start ? 0 : users.size();
    auto edited = parsed.with(block.text, use.placement);
    check(edited == users.substr(0, at) + block.text + users.substr(at),
          "the block is not put in one place among the user's lines", edited);

    auto again = MarkedText::parse(edited, use.markers, own_line);
    check(again.found() && !again.unterminated() && again.outside() == users,
          "the edited text does not hold one block and the user's lines", edited);
    check(again.with(block.text, use.placement) == edited, "applying the block twice changed it",
          edited);
    check(again.with("", use.placement) == users, "removing the block lost the user's lines",
          edited);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = dev8::fuzz::split_parts(dev8::fuzz::as_text(data, size), 2);
    auto body = dev8::fuzz::part(parts, 1);
    check_use(parts[0], body, kAuthorizedKeys);
    check_use(parts[0], body, kShellRc);
    return 0;
}
