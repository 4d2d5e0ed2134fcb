#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

namespace dev8::activity {

// The fields of /proc/PID/stat the idle stop needs.
struct ProcStat {
    pid_t pid = 0;
    uint64_t start_ticks = 0;  // field 22: with the pid, names one process for good
    uint64_t cpu_ticks = 0;    // utime + stime + cutime + cstime: its own and its reaped children's
};

// Parses one /proc/PID/stat line. The command name may hold anything,
// spaces and parentheses included: the fields are counted from its last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view line);

// Established TCP connections whose local port is `port`, in the text of
// /proc/net/tcp or /proc/net/tcp6 (the header line first).
size_t established_on_port(std::string_view table, uint16_t port);

// The CPU time of one user's processes, as clock ticks by process.
using CpuSample = std::map<std::pair<pid_t, uint64_t>, uint64_t>;

// Every process whose /proc entry `uid` owns, except `excluded`.
CpuSample sample_cpu(uid_t uid, const std::set<pid_t>& excluded);

// CPU time the processes of `now` used since `before`: the growth of each
// process seen in both, and all of a process new since.
std::chrono::milliseconds cpu_used(const CpuSample& before, const CpuSample& now);

// Established connections to `port` in this network namespace (IPv4 and IPv6).
size_t ssh_connections(uint16_t port);

}  // namespace dev8::activity
