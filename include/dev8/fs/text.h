#pragma once

#include <string_view>
#include <vector>

namespace dev8::fs {

// White space as the C locale's isspace() sees it.
inline constexpr std::string_view kBlanks = " \t\r\n\f\v";

std::string_view trim(std::string_view text, std::string_view chars = kBlanks);
std::string_view trim_end(std::string_view text, std::string_view chars = kBlanks);

// The parts between separators, empty ones included: "a,,b" gives {"a", "", "b"}
// and "" gives {""}.
std::vector<std::string_view> split(std::string_view text, char separator);

// Each line with its "\n", so that joining them gives the text back; a last
// line without one is kept as it is. "" has no lines.
std::vector<std::string_view> lines(std::string_view text);

}  // namespace dev8::fs
