#pragma once

#include <spdlog/common.h>

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
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

// The text of a JSON document (a log line, the status document): bytes that
// are not valid UTF-8, from a file or a variable someone else wrote, become
// U+FFFD instead of making the serialisation throw. The one rule for every
// JSON dev8-init writes.
std::string json_text(const nlohmann::json& document, int indent = -1);

}  // namespace dev8::log
