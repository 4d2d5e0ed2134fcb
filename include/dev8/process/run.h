#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <stop_token>
#include <string>

#include "dev8/process/reaper.h"
#include "dev8/process/spawn.h"

namespace dev8::process {

struct RunResult {
    ExitStatus exit;
    std::string out;
    std::string err;
    bool timed_out = false;
    bool stopped = false;  // the stop token fired
};

// Hears each line a program prints (stdout or stderr) as it comes, without
// its newline; a last line without one when the program ends.
using LineSink = std::function<void(std::string_view line)>;

// Runs a program to its end from a worker thread: `input` on its stdin (how a
// token reaches gh without touching argv), stdout and stderr collected (and
// handed line by line to `lines`, when given). The exit status comes from the
// reaper like every other child's. On timeout or stop the process group gets
// SIGTERM, then SIGKILL a second later.
std::expected<RunResult, SpawnError> run_to_completion(SpawnSpec spec, Reaper& reaper,
                                                       const std::string& input,
                                                       std::chrono::milliseconds timeout,
                                                       std::stop_token stop = {},
                                                       const LineSink& lines = {});

// The first line of a program's stderr (or stdout), for a one-line failure
// cause; its exit status when it printed nothing.
std::string first_line(const RunResult& result);

}  // namespace dev8::process
