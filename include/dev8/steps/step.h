#pragma once

#include <chrono>
#include <expected>
#include <stop_token>
#include <string>
#include <string_view>

#include "dev8/config/config.h"
#include "dev8/github/token_status.h"
#include "dev8/process/reaper.h"
#include "dev8/process/user_command.h"

namespace dev8::steps {

enum class StepState { Pending, Running, Ok, Skipped, Failed };
std::string_view to_string(StepState state);

struct StepResult {
    StepState state = StepState::Ok;
    std::string message;  // the skip reason or one-line failure cause

    static StepResult ok(std::string message = {}) { return {StepState::Ok, std::move(message)}; }
    static StepResult skipped(std::string why) { return {StepState::Skipped, std::move(why)}; }
    static StepResult failed(std::string why) { return {StepState::Failed, std::move(why)}; }
};

// Where one step stands, as the status shows it.
struct StepReport {
    std::string name;
    StepState state = StepState::Pending;
    std::chrono::milliseconds duration{0};
    std::string message;
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

    // Programs run as the developer, ended when the container stops.
    process::CommandRunner developer_commands() const {
        return process::CommandRunner(config.developer, reaper, stop);
    }
};

// Which worker runs a step: the steps of one lane run in their order, the
// lanes side by side. Network steps wait on GitHub, Git runs git several
// times, Files only writes the developer's files; so neither a slow GitHub nor
// git's start-ups hold up the SSH keys (and with them sshd).
// Final steps (the image's and the developer's own setup) run after every
// other lane has ended, in order, so they find the account ready.
enum class Lane { Network, Git, Files, Final };

// One ordered init step. A failure is a result, never an exception.
class Step {
  public:
    virtual ~Step() = default;
    virtual std::string_view name() const = 0;
    virtual Lane lane() const { return Lane::Files; }
    // A failure of an essential step stops start-up (exit 1), and no step
    // after it runs.
    virtual bool essential() const { return false; }
    // What run() would do with this configuration, or why it would be skipped.
    virtual std::string plan(const config::Config& config) const = 0;
    virtual StepResult run(StepContext& context) = 0;
};

// A step that decides once: decide() looks at the configuration and what is
// installed and returns the work to do, or why there is none (the skip
// reason). `plan` describes that decision and `run` carries it out, so what
// `dev8-init plan` says and what a start does cannot drift apart.
template <typename Work>
class DecidedStep : public Step {
  public:
    std::string plan(const config::Config& config) const final {
        auto work = decide(config);
        return work ? describe(*work) : "skipped: " + work.error();
    }

    StepResult run(StepContext& context) final {
        auto work = decide(context.config);
        return work ? carry_out(context, *work) : StepResult::skipped(work.error());
    }

  protected:
    virtual std::expected<Work, std::string> decide(const config::Config& config) const = 0;
    virtual std::string describe(const Work& work) const = 0;
    virtual StepResult carry_out(StepContext& context, const Work& work) = 0;
};

}  // namespace dev8::steps
