#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dev8/steps/step.h"

namespace dev8::steps {

// The init steps of DESIGN.md §4, in order.
std::vector<std::unique_ptr<Step>> default_steps();

// Runs the steps in order on a worker thread, so the event loop keeps reaping
// and answering signals while a slow step waits on the network.
class StepRunner {
  public:
    explicit StepRunner(std::vector<std::unique_ptr<Step>> steps);
    ~StepRunner();

    // `on_done` is called on the worker thread once every step has run or the
    // stop token fired.
    void start(const config::Config& config, process::Reaper& reaper,
               github::TokenStatus& token_status, std::function<void()> on_done);
    void request_stop();
    // The worker thread has started and not yet finished.
    bool busy() const { return busy_.load(); }
    std::vector<StepReport> reports() const;
    // The state of the step called `name` (Pending when there is none).
    StepState state_of(std::string_view name) const;

  private:
    void run_all(std::stop_token stop, const StepContext& base,
                 const std::function<void()>& on_done);
    void update(size_t index, const StepReport& report);
    static StepResult run_one(Step& step, StepContext& context);

    std::vector<std::unique_ptr<Step>> steps_;
    mutable std::mutex mutex_;
    std::vector<StepReport> reports_;
    std::atomic<bool> busy_{false};
    std::jthread thread_;
};

}  // namespace dev8::steps
