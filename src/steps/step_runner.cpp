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
namespace {

std::string_view state_name(StepResult::State state) {
    switch (state) {
        case StepResult::State::Ok:
            return "ok";
        case StepResult::State::Skipped:
            return "skipped";
        case StepResult::State::Failed:
            return "failed";
    }
    return "failed";
}

}  // namespace

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
        status::StepStatus pending;
        pending.name = step->name();
        statuses_.push_back(std::move(pending));
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

std::vector<status::StepStatus> StepRunner::statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
}

void StepRunner::update(size_t index, const status::StepStatus& status) {
    std::lock_guard lock(mutex_);
    statuses_[index] = status;
}

void StepRunner::run_all(std::stop_token stop, const StepContext& base,
                         const std::function<void()>& on_done) {
    for (size_t i = 0; i < steps_.size() && !stop.stop_requested(); ++i) {
        auto& step = *steps_[i];
        status::StepStatus status;
        status.name = step.name();
        status.state = "running";
        update(i, status);
        auto start = std::chrono::steady_clock::now();
        StepContext context = base;
        auto result = [&] {
            process::ScopedFsIdentity as_developer(base.config.developer);
            return step.run(context);
        }();
        status.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
        status.state = std::string(state_name(result.state));
        status.message = result.message;
        update(i, status);
        auto level =
            result.state == StepResult::State::Failed ? spdlog::level::warn : spdlog::level::info;
        spdlog::log(level, "step {}: {} ({} ms){}{}", status.name, status.state, status.duration_ms,
                    result.message.empty() ? "" : ": ", result.message);
    }
    on_done();
}

}  // namespace dev8::steps
