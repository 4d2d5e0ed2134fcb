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

size_t Redactor::safe_prefix(std::string_view text) const {
    std::shared_lock lock(mutex_);
    size_t longest = secrets_.empty() ? 0 : secrets_.front().size();  // longest first
    size_t cut = text.size() - std::min(text.size(), longest > 0 ? longest - 1 : 0);
    for (bool moved = true; moved;) {
        moved = false;
        for (const auto& secret : secrets_) {
            // The first match that could contain the cut starts at most
            // secret.size() - 1 bytes before it.
            size_t from = cut >= secret.size() ? cut - secret.size() + 1 : 0;
            auto at = text.find(secret, from);
            if (at != std::string_view::npos && at < cut && at + secret.size() > cut) {
                cut = at + secret.size();
                moved = true;
            }
        }
    }
    return cut;
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
