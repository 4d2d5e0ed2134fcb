#include "dev8/steps/step_runner.h"

#include <catch2/catch.hpp>
#include <future>

using namespace dev8;
using namespace std::chrono_literals;

namespace {

// A step that does what it is told: a result, or an exception.
class ScriptedStep final : public steps::Step {
  public:
    ScriptedStep(std::string name, std::function<steps::StepResult()> body)
        : name_(std::move(name)), body_(std::move(body)) {}
    std::string_view name() const override { return name_; }
    std::string plan(const config::Config&) const override { return "scripted"; }
    steps::StepResult run(steps::StepContext&) override { return body_(); }

  private:
    std::string name_;
    std::function<steps::StepResult()> body_;
};

std::vector<steps::StepReport> run_all(std::vector<std::unique_ptr<steps::Step>> list) {
    config::Config config;
    process::Reaper reaper;
    github::TokenStatus token_status;
    steps::StepRunner runner(std::move(list));
    std::promise<void> done;
    runner.start(config, reaper, token_status, [&done] { done.set_value(); });
    REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
    while (runner.busy()) std::this_thread::sleep_for(1ms);
    return runner.reports();
}

}  // namespace

TEST_CASE("steps run in order and each reports how it ended", "[steps]") {
    std::vector<std::string> order;
    std::vector<std::unique_ptr<steps::Step>> list;
    list.push_back(std::make_unique<ScriptedStep>("one", [&] {
        order.push_back("one");
        return steps::StepResult::ok("done");
    }));
    list.push_back(std::make_unique<ScriptedStep>("two", [&] {
        order.push_back("two");
        return steps::StepResult::skipped("nothing to do");
    }));
    auto reports = run_all(std::move(list));
    CHECK(order == std::vector<std::string>{"one", "two"});
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].state == steps::StepState::Ok);
    CHECK(reports[0].message == "done");
    CHECK(reports[1].state == steps::StepState::Skipped);
}

TEST_CASE("a step that throws has failed, and the next one still runs", "[steps]") {
    std::vector<std::unique_ptr<steps::Step>> list;
    list.push_back(std::make_unique<ScriptedStep>(
        "broken", []() -> steps::StepResult { throw std::runtime_error("boom"); }));
    list.push_back(std::make_unique<ScriptedStep>(
        "hungry", []() -> steps::StepResult { throw std::bad_alloc(); }));
    list.push_back(std::make_unique<ScriptedStep>("after", [] { return steps::StepResult::ok(); }));
    auto reports = run_all(std::move(list));
    CHECK(reports[0].state == steps::StepState::Failed);
    CHECK(reports[0].message == "internal error: boom");
    CHECK(reports[1].state == steps::StepState::Failed);
    CHECK(reports[1].message == "internal error: std::bad_alloc");
    CHECK(reports[2].state == steps::StepState::Ok);
}
