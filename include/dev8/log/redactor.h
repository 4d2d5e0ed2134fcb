#pragma once

#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dev8::log {

// Every secret value the process knows. The log sinks run all text through
// redact() so a secret never reaches a log line, whoever printed it.
class Redactor {
  public:
    static constexpr std::string_view kMask = "[redacted]";
    // Below this a value is not told apart from ordinary text (config warns).
    static constexpr size_t kMinLength = 4;

    // Registers the value, and each of its lines when it spans several (a
    // relayed line can only ever hold one line of a private key).
    void add(std::string_view secret);
    std::string redact(std::string_view text) const;
    void clear();

    // How much of a line still being written can be relayed now, when it is
    // too long to hold whole: a prefix that no registered secret runs out
    // of, and that leaves back every byte which could be the start of a
    // secret the next write completes.
    size_t safe_prefix(std::string_view text) const;

  private:
    void add_one(std::string_view secret);

    mutable std::shared_mutex mutex_;
    std::vector<std::string> secrets_;  // longest first, so a prefix never hides a longer match
};

// The process-wide redactor that logging uses.
Redactor& redactor();

}  // namespace dev8::log
