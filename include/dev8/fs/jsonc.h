#pragma once

#include <cstddef>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dev8::fs {

// A JSONC text (JSON with // and /* */ comments and trailing commas, as VS Code
// reads settings.json) whose top level is one object. It can name its
// top-level keys and add new members while keeping every existing byte, so a
// user's comments and formatting survive our edits.
class JsoncObject {
  public:
    using Members = std::vector<std::pair<std::string, nlohmann::json>>;

    // An empty or whitespace-only text, or one holding only comments, reads as
    // `{}`. Anything else that is not a single object is an error of one line
    // with the line and column where it went wrong.
    static std::expected<JsoncObject, std::string> parse(std::string text);

    // In file order, escapes decoded ("a\u002eb" is "a.b"); duplicates kept.
    const std::vector<std::string>& keys() const { return keys_; }
    bool contains(std::string_view key) const;

    // The text with `members` appended before the closing brace, in order,
    // indented like the last existing member (else four spaces). The only
    // existing byte that changes is a comma added after the last member when
    // it has none.
    std::string with_members(const Members& members) const;

  private:
    explicit JsoncObject(std::string text) : text_(std::move(text)) {}

    std::string with_new_object(const Members& members) const;

    std::string text_;
    std::vector<std::string> keys_;
    std::optional<size_t> close_;  // the closing brace; unset when the text holds no object
    std::optional<size_t> last_value_end_;  // just past the last member's value
    bool trailing_comma_ = false;
    std::string indent_ = "    ";
};

}  // namespace dev8::fs
