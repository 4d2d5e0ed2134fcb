#include "dev8/steps/step_runner.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <map>

#include "dev8/process/identity.h"
#include "dev8/steps/ai_tools.h"
#include "dev8/steps/copilot.h"
#include "dev8/steps/dotfiles.h"
#include "dev8/steps/git_config.h"
#include "dev8/steps/github_auth.h"
#include "dev8/steps/hooks.h"
#include "dev8/steps/ssh_keys.h"
#include "dev8/steps/vscode_settings.h"

namespace dev8::steps {

std::string_view to_string(StepState state) {
    switch (state) {
        case StepState::Pending:
            return "pending";
        case StepState::Running:
            return "running";
        case StepState::Ok:
            return "ok";
        case StepState::Skipped:
            return "skipped";
        case StepState::Failed:
            return "failed";
    }
    return "failed";
}

namespace {
constexpr int kBackgroundNice = 10;
}  // namespace

std::vector<std::unique_ptr<Step>> default_steps(const config::Config& config) {
    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_github_auth_step());
    steps.push_back(make_copilot_step());
    steps.push_back(make_git_config_step());
    steps.push_back(make_ssh_keys_step());
    steps.push_back(make_vscode_settings_step());
    steps.push_back(make_ai_tools_step());
    steps.push_back(make_dotfiles_step());
    for (auto& hook : hook_steps(config)) steps.push_back(std::move(hook));
    return steps;
}

StepRunner::StepRunner(std::vector<std::unique_ptr<Step>> steps) : steps_(std::move(steps)) {
    for (const auto& step : steps_) {
        StepReport pending;
        pending.name = step->name();
        reports_.push_back(std::move(pending));
    }
}

StepRunner::~StepRunner() {
    request_stop();
}

void StepRunner::start(const config::Config& config, process::Reaper& reaper,
                       github::TokenStatus& token_status, StepCallbacks callbacks) {
    std::map<Lane, std::vector<size_t>> lanes;
    for (size_t i = 0; i < steps_.size(); ++i) {
        if (steps_[i]->lane() == Lane::Final)
            final_.push_back(i);
        else
            lanes[steps_[i]->lane()].push_back(i);
    }
    if (lanes.empty() && final_.empty()) {
        callbacks.on_done();
        return;
    }
    if (lanes.empty()) lanes[Lane::Final] = {};  // one thread, for the final steps
    busy_ = true;
    lanes_running_ = static_cast<int>(lanes.size());
    StepContext context{config, reaper, stop_.get_token(), &token_status};
    for (auto& [lane, indices] : lanes) {
        threads_.emplace_back([this, lane, indices = std::move(indices), context, callbacks] {
            run_lane(lane, indices, context, callbacks);
        });
    }
}

void StepRunner::request_stop() {
    stop_.request_stop();
}

void StepRunner::join() {
    for (auto& thread : threads_)
        if (thread.joinable()) thread.join();
}

std::vector<StepReport> StepRunner::reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
}

StepState StepRunner::state_of(std::string_view name) const {
    std::lock_guard lock(mutex_);
    for (const auto& report : reports_)
        if (report.name == name) return report.state;
    return StepState::Pending;
}

bool StepRunner::ended(std::string_view name) const {
    auto state = state_of(name);
    return state != StepState::Pending && state != StepState::Running;
}

// A step that throws has failed; the others still run.
StepResult StepRunner::run_one(Step& step, StepContext& context) {
    try {
        process::ScopedFsIdentity as_developer(context.config.developer);
        if (as_developer.failed())
            return StepResult::failed(
                process::ScopedFsIdentity::failure_text(context.config.developer));
        return step.run(context);
    } catch (const std::exception& e) {
        return StepResult::failed(std::string("internal error: ") + e.what());
    } catch (...) {
        return StepResult::failed("internal error: an exception of unknown type");
    }
}

void StepRunner::run_lane(Lane lane, const std::vector<size_t>& indices, StepContext context,
                          const StepCallbacks& callbacks) {
    // While sshd and code-server start, they get the CPU first: the network
    // and git lanes (TLS, gh and git, which inherit this) yield to them.
    if (lane != Lane::Files)
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kBackgroundNice);
    run_in_order(indices, context, callbacks);
    if (--lanes_running_ == 0) {
        // The last lane to end runs the final steps, at normal priority.
        if (lane != Lane::Files) ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 0);
        run_in_order(final_, context, callbacks);
        log_ended_in_order(true);
        callbacks.on_done();
        busy_ = false;
    }
}

bool StepRunner::run_in_order(const std::vector<size_t>& indices, StepContext& context,
                              const StepCallbacks& callbacks) {
    for (size_t index : indices) {
        if (context.stop.stop_requested()) return true;
        run_step(index, context);
        callbacks.on_step_done(steps_[index]->name());
        if (steps_[index]->essential() && state_of(steps_[index]->name()) == StepState::Failed)
            return false;
    }
    return true;
}

std::optional<StepReport> StepRunner::essential_failure() const {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < steps_.size(); ++i)
        if (steps_[i]->essential() && reports_[i].state == StepState::Failed) return reports_[i];
    return std::nullopt;
}

void StepRunner::run_step(size_t index, StepContext& context) {
    auto& step = *steps_[index];
    {
        std::lock_guard lock(mutex_);
        reports_[index].state = StepState::Running;
    }
    auto start = std::chrono::steady_clock::now();
    StepContext own = context;
    auto result = run_one(step, own);
    auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    {
        std::lock_guard lock(mutex_);
        reports_[index].state = result.state;
        reports_[index].duration = duration;
        reports_[index].message = std::move(result.message);
    }
    log_ended_in_order(false);
}

// Logs every ended step whose predecessors have all been logged, so the log
// reads in step order whichever lane finished first. Once every lane is done,
// a step a stop kept from running is passed over.
void StepRunner::log_ended_in_order(bool lanes_done) {
    std::lock_guard lock(mutex_);
    for (; next_to_log_ < reports_.size(); ++next_to_log_) {
        const auto& report = reports_[next_to_log_];
        if (report.state == StepState::Pending || report.state == StepState::Running) {
            if (lanes_done) continue;
            return;
        }
        auto level = report.state == StepState::Failed ? spdlog::level::warn : spdlog::level::info;
        spdlog::log(level, "step {}: {} ({} ms){}{}", report.name, to_string(report.state),
                    report.duration.count(), report.message.empty() ? "" : ": ", report.message);
    }
}

}  // namespace dev8::steps
