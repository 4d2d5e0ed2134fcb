#pragma once

// What every fuzz target shares: taking its input apart, stopping on a broken
// invariant, and a scratch directory of its own for APIs that read files.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/fs/accounts.h"

namespace dev8::fuzz {

// The input as text, and split at NUL bytes into at most `max_parts` parts
// (the last keeps any further NUL). Seeds stay readable: real texts hold no NUL.
inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

inline std::vector<std::string_view> split_parts(std::string_view input, size_t max_parts) {
    std::vector<std::string_view> parts;
    while (parts.size() + 1 < max_parts) {
        auto nul = input.find('\0');
        if (nul == std::string_view::npos) break;
        parts.push_back(input.substr(0, nul));
        input.remove_prefix(nul + 1);
    }
    parts.push_back(input);
    return parts;
}

inline std::string_view part(const std::vector<std::string_view>& parts, size_t i) {
    return i < parts.size() ? parts[i] : std::string_view();
}

// Printable, so that a failure report shows control bytes and invalid UTF-8.
inline std::string escaped(std::string_view text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

// A broken invariant: abort() makes libFuzzer save the input as a crash.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    constexpr size_t kShown = 400;
    std::fprintf(stderr, "invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
    if (!detail.empty()) {
        std::fprintf(stderr, "  %s%s\n", escaped(detail.substr(0, kShown)).c_str(),
                     detail.size() > kShown ? "..." : "");
    }
    std::abort();
}

inline void check(bool ok, std::string_view what, std::string_view detail = {}) {
    if (!ok) fail(what, detail);
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
// The rule nlohmann::json applies when it writes a string.
inline bool is_valid_utf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        size_t length = c < 0x80                 ? 1
                        : c >= 0xC2 && c <= 0xDF ? 2
                        : c >= 0xE0 && c <= 0xEF ? 3
                        : c >= 0xF0 && c <= 0xF4 ? 4
                                                 : 0;
        if (length == 0 || i + length > text.size()) return false;
        auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
        for (size_t k = 1; k < length; ++k) {
            if ((byte(k) & 0xC0) != 0x80) return false;
        }
        if (c == 0xE0 && byte(1) < 0xA0) return false;  // overlong
        if (c == 0xED && byte(1) > 0x9F) return false;  // a surrogate
        if (c == 0xF0 && byte(1) < 0x90) return false;  // overlong
        if (c == 0xF4 && byte(1) > 0x8F) return false;  // above U+10FFFF
        i += length;
    }
    return true;
}

// A directory of this process's own in $TMPDIR (/tmp), removed when the
// fuzzer exits; APIs that read files get them from here, never from the system.
class ScratchDir {
  public:
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "dev8-fuzz-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) fail("cannot create a scratch directory");
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::string& path() const { return path_; }

    // Plain writes: the atomic, fsynced path of the code under test would
    // cost more than the code itself.
    std::string write(const std::string& name, std::string_view content) const {
        auto file = std::filesystem::path(path_) / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary | std::ios::trunc)
            .write(content.data(), static_cast<std::streamsize>(content.size()));
        return file.string();
    }

    // Accounts as /etc/passwd and /etc/group list them: root, www-data, the
    // developer dev8 (uid 1000) and alice.
    fs::AccountFiles write_accounts() const {
        return {write("passwd",
                      "root:x:0:0:root:/root:/bin/bash\n"
                      "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
                      "dev8:x:1000:1000::/home/dev8:/bin/bash\n"
                      "alice:x:1001:1001::/home/alice:/bin/zsh\n"),
                write("group", "root:x:0:\nwww-data:x:33:\ndev8:x:1000:\nalice:x:1001:\n")};
    }

  private:
    std::string path_;
};

}  // namespace dev8::fuzz
