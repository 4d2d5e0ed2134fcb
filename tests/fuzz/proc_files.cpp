// The /proc files the idle stop reads: /proc/PID/stat (activity::parse_proc_stat)
// and /proc/net/tcp (activity::established_on_port). The input is one file;
// its first two bytes also pick the port counted.
//
// Invariants:
// - neither parser throws, whatever the kernel or a process's name put there;
// - a parsed stat has a positive pid, and the same fields written back in
//   the kernel's layout, under a name with spaces and ')', parse the same;
// - the count is at most the number of lines after the header, and a line
//   that is not an established connection on the port does not change it.

#include <fmt/format.h>

#include <string>

#include "dev8/activity/proc.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using dev8::fuzz::check;
    auto text = dev8::fuzz::as_text(data, size);
    if (auto stat = dev8::activity::parse_proc_stat(text)) {
        check(stat->pid > 0, "a pid that is not positive", text);
        auto line = fmt::format("{} (a) b) S 1 1 1 0 -1 0 0 0 0 0 {} 0 0 0 20 0 1 0 {} 0 0\n",
                                stat->pid, stat->cpu_ticks, stat->start_ticks);
        auto again = dev8::activity::parse_proc_stat(line);
        check(again && again->pid == stat->pid && again->cpu_ticks == stat->cpu_ticks &&
                  again->start_ticks == stat->start_ticks,
              "fields written back parse differently", line);
    }
    uint16_t port = size >= 2 ? static_cast<uint16_t>(data[0] << 8 | data[1]) : 2222;
    auto count = dev8::activity::established_on_port(text, port);
    size_t lines = 0;
    for (char c : text) lines += c == '\n';
    check(count <= lines, "more connections than lines", text);
    std::string more(text);
    if (!more.empty() && more.back() != '\n') more += '\n';
    more += fmt::format("  9: 0100007F:{:04X} 0100007F:0016 0A 0\n", port);
    check(dev8::activity::established_on_port(more, port) == count,
          "a listening socket counted as a connection", more);
    return 0;
}
