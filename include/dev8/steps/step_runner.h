#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "dev8/steps/step.h"

namespace dev8::steps {

// The init steps of DESIGN.md §4, in order: the built-in ones, then the
// image's and the developer's init hooks found now.
std::vector<std::unique_ptr<Step>> default_steps(const config::Config& config);

struct StepCallbacks {
    // On a worker thread, once for each step that has ended, in the order the
    // steps end (which may differ from their order across lanes).
    std::function<void(std::string_view name)> on_step_done;
    // On a worker thread, once every step has run or the stop token fired.
    std::function<void()> on_done;
};

// Runs the steps on worker threads, one per lane (Step::lane), so the event
// loop keeps reaping and answering signals while a slow step waits on the
// network, and the file steps wait neither for GitHub nor for git. The status shows every
// step in its place; the log shows each step's line in step order (a line
// waits for the lines of the steps before it).
class StepRunner {
  public:
    explicit StepRunner(std::vector<std::unique_ptr<Step>> steps);
    ~StepRunner();

    void start(const config::Config& config, process::Reaper& reaper,
               github::TokenStatus& token_status, StepCallbacks callbacks);
    void request_stop();
    // Waits for the worker threads to end (after on_done they end at once),
    // so their stacks leave PID 1's memory.
    void join();
    // A worker thread has started and not yet finished.
    bool busy() const { return busy_.load(); }
    std::vector<StepReport> reports() const;
    // The state of the step called `name` (Pending when there is none).
    StepState state_of(std::string_view name) const;
    // The step called `name` has ended: ok, skipped or failed.
    bool ended(std::string_view name) const;
    // The first essential step that failed, with its message.
    std::optional<StepReport> essential_failure() const;

  private:
    void run_lane(Lane lane, const std::vector<size_t>& indices, StepContext context,
                  const StepCallbacks& callbacks);
    // Runs `indices` in order; false once an essential step failed.
    bool run_in_order(const std::vector<size_t>& indices, StepContext& context,
                      const StepCallbacks& callbacks);
    void run_step(size_t index, StepContext& context);
    void log_ended_in_order(bool lanes_done);
    static StepResult run_one(Step& step, StepContext& context);

    std::vector<std::unique_ptr<Step>> steps_;
    mutable std::mutex mutex_;
    std::vector<StepReport> reports_;
    std::vector<size_t> final_;  // Lane::Final, run once the other lanes have ended
    size_t next_to_log_ = 0;
    std::atomic<bool> busy_{false};
    std::atomic<int> lanes_running_{0};
    std::stop_source stop_;
    std::vector<std::jthread> threads_;  // last: joined before the rest is destroyed
};

}  // namespace dev8::steps
