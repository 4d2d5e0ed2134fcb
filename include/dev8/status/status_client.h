#pragma once

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dev8::status {

// Connects to the first state dir holding a status socket and reads the document.
std::expected<nlohmann::json, std::string> query(const std::vector<std::string>& state_dirs);

// Human-readable rendering of a status document for `dev8-init status`.
std::string render_text(const nlohmann::json& status);

}  // namespace dev8::status
