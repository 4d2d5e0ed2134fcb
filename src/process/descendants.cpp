#include "dev8/process/descendants.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_map>

namespace dev8::process {
namespace {

// The ppid is the second field after the ")" that closes the command name,
// which may itself hold spaces and parentheses.
std::optional<pid_t> parent_of(const std::filesystem::path& stat_path) {
    std::ifstream in(stat_path);
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    auto close = line.rfind(')');
    if (close == std::string::npos || close + 4 >= line.size()) return std::nullopt;
    std::string_view rest(line.c_str() + close + 4);  // ") S " then ppid
    pid_t ppid = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
    if (ec != std::errc{}) return std::nullopt;
    return ppid;
}

}  // namespace

std::vector<pid_t> descendants_of(pid_t ancestor, const std::string& proc_root) {
    std::unordered_multimap<pid_t, pid_t> children;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(proc_root, ec)) {
        auto name = entry.path().filename().string();
        pid_t pid = 0;
        auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
        if (err != std::errc{} || end != name.data() + name.size()) continue;
        if (auto ppid = parent_of(entry.path() / "stat")) children.emplace(*ppid, pid);
    }
    std::vector<pid_t> result;
    std::vector<pid_t> queue = {ancestor};
    while (!queue.empty()) {
        pid_t parent = queue.back();
        queue.pop_back();
        auto [begin, end] = children.equal_range(parent);
        for (auto it = begin; it != end; ++it) {
            result.push_back(it->second);
            queue.push_back(it->second);
        }
    }
    return result;
}

}  // namespace dev8::process
