// `git config --global --list --null` as the git-config step reads it
// (steps::parse_git_config_list), to change only what differs.
//
// Invariants:
// - it never throws, whatever git printed;
// - no key is empty or holds a newline or a NUL, and no value holds a NUL;
// - the entries written back in git's format parse to the same entries.

#include <string>

#include "dev8/steps/git_config.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using dev8::fuzz::check;
    auto entries = dev8::steps::parse_git_config_list(dev8::fuzz::as_text(data, size));
    std::string again;
    for (const auto& [key, values] : entries) {
        check(!key.empty() && key.find_first_of(std::string("\n\0", 2)) == std::string::npos,
              "a key that is empty or holds a newline or NUL", key);
        for (const auto& value : values) {
            check(value.find('\0') == std::string::npos, "a value that holds a NUL", value);
            again += key + "\n" + value + '\0';
        }
    }
    check(dev8::steps::parse_git_config_list(again) == entries,
          "entries written back parse differently", again);
    return 0;
}
