#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dev8::fs {

// The two lines that open and close a block dev8-init owns inside a file the
// user edits too (authorized_keys, .bashrc). A marker matches a whole line,
// trailing blanks and line ending ignored.
struct Markers {
    std::string_view begin;
    std::string_view end;
};

// Where a block goes in a text that has none.
enum class Placement { Start, End };

// A text taken apart around its marked blocks, so that one can be put back
// while every line outside them stays byte for byte.
class MarkedText {
  public:
    // Decides which lines an unterminated block (its end marker deleted)
    // covers: the lines after its begin marker for which this holds. Without
    // one, such a block runs to the next begin marker or the end of the text.
    using OwnLine = std::function<bool(std::string_view line)>;

    static MarkedText parse(std::string_view text, Markers markers, const OwnLine& own_line = {});

    // The lines outside every block, in order, byte for byte.
    const std::string& outside() const { return outside_; }
    bool found() const { return block_at_.has_value(); }
    // A block's end marker was missing.
    bool unterminated() const { return unterminated_; }

    // The text with `block` where the first block was (any later one is
    // dropped), or at `placement` when there was none. An empty `block`
    // removes the blocks.
    std::string with(std::string_view block, Placement placement) const;

  private:
    std::string outside_;
    std::optional<size_t> block_at_;  // offset in outside_ where the first block stood
    bool unterminated_ = false;
};

}  // namespace dev8::fs
