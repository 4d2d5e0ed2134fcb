#include "dev8/activity/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <string>
#include <vector>

#include "dev8/fs/read_file.h"
#include "dev8/fs/unique_fd.h"

namespace dev8::activity {
namespace {

constexpr size_t kMaxStat = 4096;
constexpr size_t kMaxTcpTable = 8 << 20;

template <typename T>
std::optional<T> number(std::string_view text, int base = 10) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::vector<std::string_view> fields(std::string_view text) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        size_t begin = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > begin) out.push_back(text.substr(begin, i - begin));
    }
    return out;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view line) {
    auto open = line.find(" (");
    auto close = line.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;
    auto pid = number<pid_t>(line.substr(0, open));
    if (!pid || *pid <= 0) return std::nullopt;
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
    if (close + 1 > line.size()) return std::nullopt;
    // After ')': field 3 (state) is rest[0], so field N is rest[N - 3].
    auto rest = fields(line.substr(close + 1));
    if (rest.size() < 20) return std::nullopt;
    ProcStat stat{.pid = *pid};
    for (size_t field : {14u, 15u, 16u, 17u}) {
        auto ticks = number<int64_t>(rest[field - 3]);
        if (!ticks || *ticks < 0) return std::nullopt;
        stat.cpu_ticks += static_cast<uint64_t>(*ticks);
    }
    auto start = number<uint64_t>(rest[22 - 3]);
    if (!start) return std::nullopt;
    stat.start_ticks = *start;
    return stat;
}

size_t established_on_port(std::string_view table, uint16_t port) {
    constexpr std::string_view kEstablished = "01";
    size_t count = 0;
    bool header = true;
    while (!table.empty()) {
        auto end = table.find('\n');
        auto line = table.substr(0, end);
        table.remove_prefix(end == std::string_view::npos ? table.size() : end + 1);
        if (header) {
            header = false;
            continue;
        }
        // "  0: 0100007F:08AE 0100007F:C350 01 ...": slot, local, remote, state.
        auto row = fields(line);
        if (row.size() < 4 || row[3] != kEstablished) continue;
        auto colon = row[1].rfind(':');
        if (colon == std::string_view::npos) continue;
        auto local_port = number<uint32_t>(row[1].substr(colon + 1), 16);
        if (local_port && *local_port == port) ++count;
    }
    return count;
}

CpuSample sample_cpu(uid_t uid, const std::set<pid_t>& excluded) {
    CpuSample sample;
    fs::UniqueFd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!proc) return sample;
    DIR* dir = ::fdopendir(::dup(proc.get()));
    if (!dir) return sample;
    while (auto* entry = ::readdir(dir)) {
        auto pid = number<pid_t>(entry->d_name);
        if (!pid || excluded.contains(*pid)) continue;
        struct stat owner {};
        if (::fstatat(proc.get(), entry->d_name, &owner, 0) < 0 || owner.st_uid != uid) continue;
        auto text = fs::read_file(std::string("/proc/") + entry->d_name + "/stat", kMaxStat);
        if (!text || !*text) continue;
        if (auto stat = parse_proc_stat(**text))
            sample[{stat->pid, stat->start_ticks}] = stat->cpu_ticks;
    }
    ::closedir(dir);
    return sample;
}

std::chrono::milliseconds cpu_used(const CpuSample& before, const CpuSample& now) {
    static const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    uint64_t ticks = 0;
    for (const auto& [process, cpu] : now) {
        auto it = before.find(process);
        if (it == before.end())
            ticks += cpu;
        else if (cpu > it->second)
            ticks += cpu - it->second;
    }
    return std::chrono::milliseconds(ticks * 1000 / static_cast<uint64_t>(ticks_per_second));
}

size_t ssh_connections(uint16_t port) {
    size_t count = 0;
    for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        auto table = fs::read_file(path, kMaxTcpTable, fs::Links::Follow);
        if (table && *table) count += established_on_port(**table, port);
    }
    return count;
}

}  // namespace dev8::activity
