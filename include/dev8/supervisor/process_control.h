#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dev8/process/reaper.h"
#include "dev8/process/spawn.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::supervisor {

class OutputRelay;

// A readiness poll of one run; dropping it ends the poll.
class ReadyWatch {
  public:
    virtual ~ReadyWatch() = default;
    // Ends polling without waiting for a probe in flight.
    virtual void cancel() = 0;
};

// One run of a service, as ProcessControl::spawn started it.
struct Run {
    pid_t pid = -1;
    std::shared_ptr<process::ChildExit> exit;          // completed when the pid is reaped
    std::vector<std::unique_ptr<OutputRelay>> output;  // its relayed stdout and stderr
};

// Where supervision touches the world: processes, signals, time and probes
// (ninja's CommandRunner). The live one forks, signals and reaps for real and
// keeps time with the event loop (app/pid1.cpp); unit tests hand in a fake
// and play every exit, timer and probe answer by hand.
class ProcessControl {
  public:
    using Clock = std::chrono::steady_clock;
    using TimerId = uint64_t;

    virtual ~ProcessControl() = default;

    // fork + exec of `spec`; piped output is relayed line by line as `[name]`.
    virtual std::expected<Run, process::SpawnError> spawn(const std::string& name,
                                                          const process::SpawnSpec& spec) = 0;
    // kill(2): a negative pid is a process group; signal 0 only asks whether
    // anything is there. False when no process got it.
    virtual bool signal(pid_t pid, int sig) = 0;
    // Every process but us: kill(-1) as PID 1, each descendant as a subreaper.
    virtual void signal_everyone(int sig) = 0;
    // Collects every child that has exited, completing the Run::exit of those
    // that were spawned.
    virtual process::Reaper::Result reap() = 0;

    virtual Clock::time_point now() const = 0;
    // Runs `callback` on the loop thread once `delay` has passed.
    virtual TimerId after(std::chrono::milliseconds delay, std::function<void()> callback) = 0;
    virtual void cancel(TimerId id) = 0;

    // Polls `probe` until it answers, then runs `ready` on the loop thread.
    virtual std::unique_ptr<ReadyWatch> watch_ready(const ReadyProbe& probe,
                                                    std::function<void()> ready) = 0;
    // A number in [-1, 1] that spreads restarts apart (the backoff's jitter).
    virtual double jitter() = 0;
};

}  // namespace dev8::supervisor
