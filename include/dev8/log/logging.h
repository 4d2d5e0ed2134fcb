#pragma once

#include <spdlog/common.h>

#include <optional>
#include <string_view>

namespace dev8::log {

enum class Format { Text, Json };
enum class Stream { Out, Err };

// Installs the redacting stderr logger as spdlog's default. Safe to call again
// once the configuration is known.
void setup(Format format, spdlog::level::level_enum level);

std::optional<Format> parse_format(std::string_view text);
std::optional<spdlog::level::level_enum> parse_level(std::string_view text);

// One line of a service's output, prefixed with its name and redacted, to
// dev8-init's stdout or stderr as the service wrote it.
void relay(std::string_view service, Stream stream, std::string_view line);

}  // namespace dev8::log
