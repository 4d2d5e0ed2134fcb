#include "dev8/fs/marked_block.h"

#include "dev8/fs/text.h"

namespace dev8::fs {
namespace {

std::string_view marker_of(std::string_view line) {
    return trim_end(line, " \t\r\n");
}

}  // namespace

MarkedText MarkedText::parse(std::string_view text, Markers markers, const OwnLine& own_line) {
    MarkedText result;
    auto all = lines(text);
    auto is = [&](size_t i, std::string_view marker) { return marker_of(all[i]) == marker; };
    for (size_t i = 0; i < all.size();) {
        if (!is(i, markers.begin)) {
            result.outside_ += all[i++];
            continue;
        }
        if (!result.block_at_) result.block_at_ = result.outside_.size();
        size_t end = i + 1;
        while (end < all.size() && !is(end, markers.end) && !is(end, markers.begin)) ++end;
        if (end < all.size() && is(end, markers.end)) {
            i = end + 1;
            continue;
        }
        result.unterminated_ = true;
        if (own_line) {
            end = i + 1;
            while (end < all.size() && !is(end, markers.begin) && own_line(marker_of(all[end])))
                ++end;
        }
        i = end;
    }
    return result;
}

std::string MarkedText::with(std::string_view block, Placement placement) const {
    std::string text = outside_;
    if (block_at_) {
        text.insert(*block_at_, block);
    } else if (block.empty()) {
        return text;
    } else if (placement == Placement::Start) {
        text.insert(0, block);
    } else {
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += block;
    }
    return text;
}

}  // namespace dev8::fs
