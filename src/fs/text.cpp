#include "dev8/fs/text.h"

namespace dev8::fs {

std::string_view trim(std::string_view text, std::string_view chars) {
    auto begin = text.find_first_not_of(chars);
    if (begin == std::string_view::npos) return {};
    return text.substr(begin, text.find_last_not_of(chars) - begin + 1);
}

std::string_view trim_end(std::string_view text, std::string_view chars) {
    auto last = text.find_last_not_of(chars);
    return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        auto at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) return parts;
        text.remove_prefix(at + 1);
    }
}

std::vector<std::string_view> lines(std::string_view text) {
    std::vector<std::string_view> result;
    while (!text.empty()) {
        auto end = text.find('\n');
        auto length = end == std::string_view::npos ? text.size() : end + 1;
        result.push_back(text.substr(0, length));
        text.remove_prefix(length);
    }
    return result;
}

}  // namespace dev8::fs
