#include "dev8/fs/jsonc.h"

#include <algorithm>

namespace dev8::fs {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
// Deeper than any real settings file, shallow enough that recursion cannot
// exhaust the worker thread's stack.
constexpr int kMaxDepth = 256;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, char32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xC0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (code >> 18));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (code & 0x3F));
    }
}

// What the scan learns about the top-level object.
struct TopLevel {
    std::vector<std::string> keys;
    std::optional<size_t> close;
    std::optional<size_t> last_key_start;
    std::optional<size_t> last_value_end;
    bool trailing_comma = false;
};

// A recursive-descent reader of JSONC that checks the whole text and records
// where the top-level members are; it never copies or changes the text.
class Scanner {
  public:
    explicit Scanner(std::string_view text) : text_(text) {}

    std::expected<TopLevel, std::string> scan() {
        if (text_.starts_with(kByteOrderMark)) pos_ = kByteOrderMark.size();
        if (!skip_trivia()) return std::unexpected(error_);
        if (at_end()) return top_;
        if (peek() != '{') {
            fail("the top level must be an object, found " + describe(peek()));
            return std::unexpected(error_);
        }
        ++pos_;
        if (!object(1, true) || !skip_trivia()) return std::unexpected(error_);
        if (!at_end()) {
            fail("unexpected " + describe(peek()) + " after the closing brace");
            return std::unexpected(error_);
        }
        return top_;
    }

  private:
    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    static std::string describe(char c) {
        switch (c) {
            case '[':
                return "an array";
            case '"':
                return "a string";
            case 't':
            case 'f':
                return "a boolean";
            case 'n':
                return "null";
            default:
                if (c == '-' || is_digit(c)) return "a number";
                return std::string("'") + c + "'";
        }
    }

    bool fail_at(size_t pos, std::string_view what) {
        auto before = text_.substr(0, pos);
        auto line = std::count(before.begin(), before.end(), '\n') + 1;
        auto line_start = before.rfind('\n');
        auto column = line_start == std::string_view::npos ? pos + 1 : pos - line_start;
        error_ = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": ";
        error_ += what;
        return false;
    }
    bool fail(std::string_view what) { return fail_at(pos_, what); }
    bool fail_unless_more(std::string_view expected) {
        if (!at_end()) return true;
        return fail("unexpected end of file, expected " + std::string(expected));
    }

    // Whitespace and comments.
    bool skip_trivia() {
        while (!at_end()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                ++pos_;
            } else if (text_.substr(pos_).starts_with("//")) {
                // Ended by any line break, a lone CR included (as VS Code reads it).
                auto end = text_.find_first_of("\r\n", pos_);
                pos_ = end == std::string_view::npos ? text_.size() : end;
            } else if (text_.substr(pos_).starts_with("/*")) {
                auto end = text_.find("*/", pos_ + 2);
                if (end == std::string_view::npos) return fail("unterminated /* comment");
                pos_ = end + 2;
            } else {
                break;
            }
        }
        return true;
    }

    bool value(int depth) {
        if (!fail_unless_more("a value")) return false;
        if (depth >= kMaxDepth) return fail("nested too deeply");
        switch (peek()) {
            case '{':
                ++pos_;
                return object(depth + 1, false);
            case '[':
                ++pos_;
                return array(depth + 1);
            case '"':
                return string(nullptr);
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                if (peek() == '-' || is_digit(peek())) return number();
                return fail("expected a value, found " + describe(peek()));
        }
    }

    // Called just past '{'. A comma may follow the last member, as VS Code allows.
    bool object(int depth, bool top) {
        for (;;) {
            if (!skip_trivia() || !fail_unless_more("'}'")) return false;
            if (peek() == '}') return close_object(top);
            if (peek() != '"') return fail("expected a key in double quotes or '}'");
            auto key_start = pos_;
            std::string key;
            if (!string(&key) || !skip_trivia() || !fail_unless_more("':'")) return false;
            if (peek() != ':') return fail("expected ':' after the key");
            ++pos_;
            if (!skip_trivia() || !value(depth)) return false;
            if (top) {
                top_.keys.push_back(std::move(key));
                top_.last_key_start = key_start;
                top_.last_value_end = pos_;
                top_.trailing_comma = false;
            }
            if (!skip_trivia() || !fail_unless_more("',' or '}'")) return false;
            if (peek() == '}') return close_object(top);
            if (peek() != ',') return fail("expected ',' or '}' after a member");
            ++pos_;
            if (top) top_.trailing_comma = true;
        }
    }

    bool close_object(bool top) {
        if (top) top_.close = pos_;
        ++pos_;
        return true;
    }

    bool array(int depth) {
        for (;;) {
            if (!skip_trivia() || !fail_unless_more("']'")) return false;
            if (peek() == ']') break;
            if (!value(depth) || !skip_trivia() || !fail_unless_more("',' or ']'")) return false;
            if (peek() == ']') break;
            if (peek() != ',') return fail("expected ',' or ']' after an element");
            ++pos_;
        }
        ++pos_;
        return true;
    }

    // Decodes into `out` when given, for the keys we compare.
    bool string(std::string* out) {
        auto start = pos_++;
        for (;;) {
            if (at_end()) return fail_at(start, "unterminated string");
            auto c = static_cast<unsigned char>(peek());
            if (c == '"') break;
            if (c < 0x20) return fail("line break or control character inside a string");
            if (c == '\\') {
                if (!escape(out)) return false;
            } else {
                if (out) *out += static_cast<char>(c);
                ++pos_;
            }
        }
        ++pos_;
        return true;
    }

    bool escape(std::string* out) {
        auto start = pos_++;
        if (at_end()) return fail_at(start, "unterminated string");
        char c = text_[pos_++];
        char decoded = 0;
        switch (c) {
            case '"':
            case '\\':
            case '/':
                decoded = c;
                break;
            case 'b':
                decoded = '\b';
                break;
            case 'f':
                decoded = '\f';
                break;
            case 'n':
                decoded = '\n';
                break;
            case 'r':
                decoded = '\r';
                break;
            case 't':
                decoded = '\t';
                break;
            case 'u':
                return unicode_escape(start, out);
            default:
                return fail_at(start, "invalid escape sequence in a string");
        }
        if (out) *out += decoded;
        return true;
    }

    // Called just past "\u"; joins a surrogate pair into one code point.
    bool unicode_escape(size_t start, std::string* out) {
        auto unit = hex4();
        if (!unit) return fail_at(start, "invalid \\u escape in a string");
        char32_t code = *unit;
        if (code >= 0xD800 && code <= 0xDBFF && text_.substr(pos_).starts_with("\\u")) {
            auto saved = pos_;
            pos_ += 2;
            auto low = hex4();
            if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
                code = 0x10000 + ((code - 0xD800) << 10) + (*low - 0xDC00);
            } else {
                pos_ = saved;
            }
        }
        if (code >= 0xD800 && code <= 0xDFFF) code = 0xFFFD;  // a lone surrogate
        if (out) append_utf8(*out, code);
        return true;
    }

    std::optional<char32_t> hex4() {
        if (text_.size() - pos_ < 4) return std::nullopt;
        char32_t unit = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[pos_++];
            unit <<= 4;
            if (is_digit(c))
                unit |= static_cast<char32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                unit |= static_cast<char32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                unit |= static_cast<char32_t>(c - 'A' + 10);
            else
                return std::nullopt;
        }
        return unit;
    }

    bool number() {
        auto start = pos_;
        auto digits = [this] {
            auto first = pos_;
            while (!at_end() && is_digit(peek())) ++pos_;
            return pos_ > first;
        };
        if (peek() == '-') ++pos_;
        if (!at_end() && peek() == '0') {
            ++pos_;
        } else if (!digits()) {
            return fail_at(start, "invalid number");
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (!digits()) return fail_at(start, "invalid number");
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
            if (!digits()) return fail_at(start, "invalid number");
        }
        return true;
    }

    bool literal(std::string_view word) {
        if (!text_.substr(pos_).starts_with(word)) return fail("expected a value");
        pos_ += word.size();
        return true;
    }

    std::string_view text_;
    size_t pos_ = 0;
    TopLevel top_;
    std::string error_;
};

bool is_blank(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The indentation before the key when the key starts its line.
std::optional<std::string> indentation_before(std::string_view text, size_t key_start) {
    auto line_start = text.rfind('\n', key_start - 1);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    auto prefix = text.substr(line_start, key_start - line_start);
    if (prefix.empty() || prefix.find_first_not_of(" \t") != std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(prefix);
}

std::string_view line_ending(std::string_view text) {
    return text.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";
}

// The members as VS Code would write them, one a line, commas between: nested
// values are indented one more step of the file's own indentation.
std::string render_members(const JsoncObject::Members& members, const std::string& indent,
                           std::string_view eol) {
    bool tabs = indent.find_first_not_of('\t') == std::string::npos;
    bool spaces = indent.find_first_not_of(' ') == std::string::npos;
    int width = tabs || spaces ? static_cast<int>(indent.size()) : 4;
    char fill = tabs ? '\t' : ' ';
    auto replace_invalid = nlohmann::json::error_handler_t::replace;
    std::string out;
    for (size_t i = 0; i < members.size(); ++i) {
        const auto& [key, value] = members[i];
        out += indent + nlohmann::json(key).dump(-1, ' ', false, replace_invalid) + ": ";
        for (char c : value.dump(width, fill, false, replace_invalid)) {
            if (c == '\n')
                out += std::string(eol) + indent;
            else
                out += c;
        }
        if (i + 1 < members.size()) out += ',';
        out += eol;
    }
    return out;
}

}  // namespace

std::expected<JsoncObject, std::string> JsoncObject::parse(std::string text) {
    auto top = Scanner(text).scan();
    if (!top) return std::unexpected(top.error());
    JsoncObject object(std::move(text));
    object.keys_ = std::move(top->keys);
    object.close_ = top->close;
    object.last_value_end_ = top->last_value_end;
    object.trailing_comma_ = top->trailing_comma;
    if (top->last_key_start) {
        if (auto indent = indentation_before(object.text_, *top->last_key_start)) {
            object.indent_ = *indent;
        }
    }
    return object;
}

bool JsoncObject::contains(std::string_view key) const {
    return std::find(keys_.begin(), keys_.end(), key) != keys_.end();
}

std::string JsoncObject::with_members(const Members& members) const {
    if (members.empty()) return text_;
    if (!close_) return with_new_object(members);
    auto eol = line_ending(text_);
    auto close = *close_;
    auto line_start = text_.find_last_not_of(" \t", close - 1) + 1;
    bool brace_on_own_line = text_[line_start - 1] == '\n';

    // On its own line the brace keeps it, and the members go on the lines
    // above; otherwise they start on a new line and the brace gets its own.
    auto insert_at = brace_on_own_line ? line_start : close;
    auto block =
        (brace_on_own_line ? "" : std::string(eol)) + render_members(members, indent_, eol);

    std::string out;
    out.reserve(text_.size() + block.size() + 1);
    size_t copied = 0;
    if (last_value_end_ && !trailing_comma_) {
        out.append(text_, 0, *last_value_end_);
        out += ',';
        copied = *last_value_end_;
    }
    out.append(text_, copied, insert_at - copied);
    out += block;
    out.append(text_, insert_at);
    return out;
}

// A text without an object: blank, or only comments, which are kept above it.
std::string JsoncObject::with_new_object(const Members& members) const {
    auto eol = line_ending(text_);
    auto object =
        "{" + std::string(eol) + render_members(members, indent_, eol) + "}" + std::string(eol);

    std::string_view body(text_);
    std::string prefix;
    if (body.starts_with(kByteOrderMark)) {
        prefix = kByteOrderMark;
        body.remove_prefix(kByteOrderMark.size());
    }
    if (is_blank(body)) return prefix + object;
    // A trailing // comment without a line break would swallow the brace.
    bool ends_line = text_.ends_with('\n') || text_.ends_with('\r');
    return text_ + (ends_line ? "" : std::string(eol)) + object;
}

}  // namespace dev8::fs
