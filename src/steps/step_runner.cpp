#include "dev8/steps/step_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "dev8/process/identity.h"
#include "dev8/steps/ai_tools.h"
#include "dev8/steps/copilot.h"
#include "dev8/steps/git_config.h"
#include "dev8/steps/github_auth.h"
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

std::vector<std::unique_ptr<Step>> default_steps() {
    std::vector<std::unique_ptr<Step>> steps;
    steps.push_back(make_github_auth_step());
    steps.push_back(make_copilot_step());
    steps.push_back(make_git_config_step());
    steps.push_back(make_ssh_keys_step());
    steps.push_back(make_vscode_settings_step());
    steps.push_back(make_ai_tools_step());
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
                       github::TokenStatus& token_status, std::function<void()> on_done) {
    busy_ = true;
    thread_ = std::jthread([this, &config, &reaper, &token_status,
                            on_done = std::move(on_done)](std::stop_token stop) {
        run_all(stop, StepContext{config, reaper, stop, &token_status}, on_done);
        busy_ = false;
    });
}

void StepRunner::request_stop() {
    thread_.request_stop();
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

void StepRunner::update(size_t index, const StepReport& report) {
    std::lock_guard lock(mutex_);
    reports_[index] = report;
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

void StepRunner::run_all(std::stop_token stop, const StepContext& base,
                         const std::function<void()>& on_done) {
    for (size_t i = 0; i < steps_.size() && !stop.stop_requested(); ++i) {
        auto& step = *steps_[i];
        StepReport report;
        report.name = step.name();
        report.state = StepState::Running;
        update(i, report);
        auto start = std::chrono::steady_clock::now();
        StepContext context = base;
        auto result = run_one(step, context);
        report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        report.state = result.state;
        report.message = result.message;
        update(i, report);
        auto level = result.state == StepState::Failed ? spdlog::level::warn : spdlog::level::info;
        spdlog::log(level, "step {}: {} ({} ms){}{}", report.name, to_string(report.state),
                    report.duration.count(), result.message.empty() ? "" : ": ", result.message);
    }
    on_done();
}

}  // namespace dev8::steps
