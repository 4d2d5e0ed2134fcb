#include "dev8/config/secret_registry.h"

#include <algorithm>
#include <mutex>

namespace dev8::config {
namespace {

// Lines this short (PEM armour, blank lines) are not secret on their own.
constexpr size_t kMinLineSecret = 8;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

}  // namespace

void SecretRegistry::add(std::string_view secret) {
    std::unique_lock lock(mutex_);
    add_one(secret);
    if (secret.find('\n') == std::string_view::npos) return;
    while (!secret.empty()) {
        auto nl = secret.find('\n');
        auto line = trim(secret.substr(0, nl));
        if (line.size() >= kMinLineSecret && !line.starts_with("-----")) add_one(line);
        if (nl == std::string_view::npos) break;
        secret.remove_prefix(nl + 1);
    }
}

void SecretRegistry::add_one(std::string_view secret) {
    if (secret.empty()) return;
    if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    auto pos = std::find_if(secrets_.begin(), secrets_.end(),
                            [&](const std::string& s) { return s.size() < secret.size(); });
    secrets_.insert(pos, std::string(secret));
}

std::string SecretRegistry::redact(std::string_view text) const {
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

void SecretRegistry::clear() {
    std::unique_lock lock(mutex_);
    secrets_.clear();
}

SecretRegistry& secret_registry() {
    static SecretRegistry registry;
    return registry;
}

}  // namespace dev8::config
