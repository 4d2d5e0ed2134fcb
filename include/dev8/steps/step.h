#pragma once

#include <stop_token>
#include <string>
#include <string_view>

#include "dev8/config/config.h"
#include "dev8/github/token_status.h"
#include "dev8/process/reaper.h"

namespace dev8::steps {

struct StepResult {
    enum class State { Ok, Skipped, Failed };
    State state = State::Ok;
    std::string message;  // the skip reason or one-line failure cause

    static StepResult ok(std::string message = {}) { return {State::Ok, std::move(message)}; }
    static StepResult skipped(std::string why) { return {State::Skipped, std::move(why)}; }
    static StepResult failed(std::string why) { return {State::Failed, std::move(why)}; }
};

// What a step may use: the configuration, the supervisor's reaper for the
// programs it runs, and a stop token that fires when the container stops.
// While run() executes, its thread acts on files as the developer
// (process::ScopedFsIdentity): what it creates belongs to the developer.
struct StepContext {
    const config::Config& config;
    process::Reaper& reaper;
    std::stop_token stop;
    github::TokenStatus* token_status = nullptr;  // where github-auth reports the token
};

// One ordered init step. A failure is a result, never an exception.
class Step {
  public:
    virtual ~Step() = default;
    virtual std::string_view name() const = 0;
    // What run() would do with this configuration, or why it would be skipped.
    virtual std::string plan(const config::Config& config) const = 0;
    virtual StepResult run(StepContext& context) = 0;
};

}  // namespace dev8::steps
