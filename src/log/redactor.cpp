#include "dev8/log/redactor.h"

#include <algorithm>
#include <mutex>

#include "dev8/fs/text.h"

namespace dev8::log {
namespace {

// Lines this short (PEM armour, blank lines) are not secret on their own.
constexpr size_t kMinLineSecret = 8;

}  // namespace

void Redactor::add(std::string_view secret) {
    std::unique_lock lock(mutex_);
    add_one(secret);
    if (secret.find('\n') == std::string_view::npos) return;
    for (auto line : fs::split(secret, '\n')) {
        line = fs::trim(line, " \t\r");
        if (line.size() >= kMinLineSecret && !line.starts_with("-----")) add_one(line);
    }
}

void Redactor::add_one(std::string_view secret) {
    if (secret.empty()) return;
    if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    auto pos = std::find_if(secrets_.begin(), secrets_.end(),
                            [&](const std::string& s) { return s.size() < secret.size(); });
    secrets_.insert(pos, std::string(secret));
}

std::string Redactor::redact(std::string_view text) const {
    std::string out(text);
    std::shared_lock lock(mutex_);
    for (const auto& secret : secrets_) {
        size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            out.replace(pos, secret.size(), kMask);
            pos += kMask.size();
        }
    }
    return out;
}

void Redactor::clear() {
    std::unique_lock lock(mutex_);
    secrets_.clear();
}

Redactor& redactor() {
    static Redactor instance;
    return instance;
}

}  // namespace dev8::log
