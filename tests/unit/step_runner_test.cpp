#include "dev8/steps/step_runner.h"

#include <catch2/catch.hpp>
#include <future>
#include <mutex>

#include "capture.h"
#include "dev8/log/logging.h"

using namespace dev8;
using namespace std::chrono_literals;

namespace {

// A step that does what it is told: a result, or an exception.
class ScriptedStep final : public steps::Step {
  public:
    ScriptedStep(std::string name, std::function<steps::StepResult()> body,
                 steps::Lane lane = steps::Lane::Files, bool essential = false)
        : name_(std::move(name)), body_(std::move(body)), lane_(lane), essential_(essential) {}
    std::string_view name() const override { return name_; }
    steps::Lane lane() const override { return lane_; }
    bool essential() const override { return essential_; }
    std::string plan(const config::Config&) const override { return "scripted"; }
    steps::StepResult run(steps::StepContext&) override { return body_(); }

  private:
    std::string name_;
    std::function<steps::StepResult()> body_;
    steps::Lane lane_;
    bool essential_;
};

// The steps run to their end: the runner, to ask how they ended.
std::unique_ptr<steps::StepRunner> run_to_end(std::vector<std::unique_ptr<steps::Step>> list) {
    config::Config config;
    process::Reaper reaper;
    github::TokenStatus token_status;
    auto runner = std::make_unique<steps::StepRunner>(std::move(list));
    std::promise<void> done;
    runner->start(
        config, reaper, token_status,
        {.on_step_done = [](std::string_view) {}, .on_done = [&done] { done.set_value(); }});
    REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
    runner->join();
    return runner;
}

std::vector<steps::StepReport> run_all(std::vector<std::unique_ptr<steps::Step>> list) {
    return run_to_end(std::move(list))->reports();
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

namespace {

// A step of a given lane that waits until it is released.
class GatedStep final : public steps::Step {
  public:
    GatedStep(std::string name, steps::Lane lane, std::shared_future<void> gate)
        : name_(std::move(name)), lane_(lane), gate_(std::move(gate)) {}
    std::string_view name() const override { return name_; }
    steps::Lane lane() const override { return lane_; }
    std::string plan(const config::Config&) const override { return "gated"; }
    steps::StepResult run(steps::StepContext&) override {
        gate_.wait();
        return steps::StepResult::ok();
    }

  private:
    std::string name_;
    steps::Lane lane_;
    std::shared_future<void> gate_;
};

}  // namespace

TEST_CASE("a step waiting on the network holds up no file step, and the log keeps step order",
          "[steps]") {
    log::setup(log::Format::Text, spdlog::level::info);
    Capture err(STDERR_FILENO);
    std::promise<void> network, files_done, all_done;
    std::promise<void> open;
    open.set_value();
    std::vector<std::unique_ptr<steps::Step>> list;
    list.push_back(std::make_unique<GatedStep>("slow-network", steps::Lane::Network,
                                               network.get_future().share()));
    list.push_back(
        std::make_unique<GatedStep>("keys", steps::Lane::Files, open.get_future().share()));
    config::Config config;
    process::Reaper reaper;
    github::TokenStatus token_status;
    steps::StepRunner runner(std::move(list));
    std::mutex mutex;
    std::vector<std::string> ended;
    runner.start(config, reaper, token_status,
                 {.on_step_done =
                      [&](std::string_view name) {
                          std::lock_guard lock(mutex);
                          ended.emplace_back(name);
                          if (name == "keys") files_done.set_value();
                      },
                  .on_done = [&] { all_done.set_value(); }});
    REQUIRE(files_done.get_future().wait_for(10s) == std::future_status::ready);
    CHECK(runner.ended("keys"));
    CHECK_FALSE(runner.ended("slow-network"));
    CHECK(err.text().find("step keys") == std::string::npos);  // waits for the step before it

    network.set_value();
    REQUIRE(all_done.get_future().wait_for(10s) == std::future_status::ready);
    while (runner.busy()) std::this_thread::sleep_for(1ms);
    CHECK(ended == std::vector<std::string>{"keys", "slow-network"});
    auto log = err.text();
    auto network_line = log.find("step slow-network: ok");
    auto keys_line = log.find("step keys: ok");
    REQUIRE(network_line != std::string::npos);
    REQUIRE(keys_line != std::string::npos);
    CHECK(network_line < keys_line);
}

TEST_CASE("a stop ends every lane after its current step and on_done still comes once", "[steps]") {
    std::promise<void> gate, all_done;
    std::atomic<int> done_calls{0};
    std::vector<std::unique_ptr<steps::Step>> list;
    auto shared = gate.get_future().share();
    list.push_back(std::make_unique<GatedStep>("a", steps::Lane::Network, shared));
    list.push_back(std::make_unique<GatedStep>("b", steps::Lane::Network, shared));
    list.push_back(std::make_unique<GatedStep>("c", steps::Lane::Files, shared));
    list.push_back(std::make_unique<GatedStep>("d", steps::Lane::Files, shared));
    config::Config config;
    process::Reaper reaper;
    github::TokenStatus token_status;
    steps::StepRunner runner(std::move(list));
    runner.start(config, reaper, token_status,
                 {.on_step_done = [](std::string_view) {},
                  .on_done =
                      [&] {
                          if (++done_calls == 1) all_done.set_value();
                      }});
    runner.request_stop();
    gate.set_value();
    REQUIRE(all_done.get_future().wait_for(10s) == std::future_status::ready);
    while (runner.busy()) std::this_thread::sleep_for(1ms);
    CHECK(done_calls == 1);
    CHECK(runner.state_of("b") == steps::StepState::Pending);
    CHECK(runner.state_of("d") == steps::StepState::Pending);
}

TEST_CASE("final steps run once every lane has ended; an essential failure ends them", "[steps]") {
    std::mutex mutex;
    std::vector<std::string> ran;
    auto step = [&](std::string name, steps::Lane lane, bool fails = false,
                    bool essential = false) {
        return std::make_unique<ScriptedStep>(
            name,
            [&, name, fails] {
                if (name == "network") std::this_thread::sleep_for(100ms);
                std::lock_guard lock(mutex);
                ran.push_back(name);
                return fails ? steps::StepResult::failed("no") : steps::StepResult::ok();
            },
            lane, essential);
    };
    std::vector<std::unique_ptr<steps::Step>> list;
    list.push_back(step("network", steps::Lane::Network));
    list.push_back(step("files", steps::Lane::Files));
    list.push_back(step("hook:1", steps::Lane::Final, true));
    list.push_back(step("hook:2.essential", steps::Lane::Final, true, true));
    list.push_back(step("hook:3", steps::Lane::Final));
    auto runner = run_to_end(std::move(list));
    CHECK(ran == std::vector<std::string>{"files", "network", "hook:1", "hook:2.essential"});
    CHECK(runner->state_of("hook:3") == steps::StepState::Pending);
    auto failure = runner->essential_failure();
    REQUIRE(failure);
    CHECK(failure->name == "hook:2.essential");
}
