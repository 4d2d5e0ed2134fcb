#pragma once

#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <vector>

#include "dev8/supervisor/output_relay.h"
#include "dev8/supervisor/process_control.h"

// A ProcessControl where nothing is real (ninja's FakeCommandRunner): spawns
// are recorded, time moves only when a test advances it, and every exit,
// leftover process and probe answer is played by the test. A process group
// is the spawned pid and whatever the test leaves in it (linger()).
class FakeProcesses final : public dev8::supervisor::ProcessControl {
  public:
    struct Spawned {
        std::string name;
        dev8::process::SpawnSpec spec;
        pid_t pid;
    };
    struct Signal {
        pid_t pid;  // negative: a process group; 0: everyone
        int sig;
        bool operator==(const Signal&) const = default;
    };
    struct Probe {
        std::function<void()> ready;
        std::shared_ptr<bool> cancelled;
    };

    std::vector<Spawned> spawned;
    std::vector<Signal> signals;  // every signal but 0, in order
    std::vector<Probe> probes;
    std::optional<dev8::process::SpawnError> fail_spawn;  // the next spawns fail so
    double jitter_value = 0;
    bool term_kills = false;  // signal_everyone(SIGTERM) ends every process

    std::expected<dev8::supervisor::Run, dev8::process::SpawnError> spawn(
        const std::string& name, const dev8::process::SpawnSpec& spec) override {
        if (fail_spawn) return std::unexpected(*fail_spawn);
        pid_t pid = next_pid_++;
        spawned.push_back({name, spec, pid});
        exits_[pid] = std::make_shared<dev8::process::ChildExit>();
        groups_[pid] = {pid};
        return dev8::supervisor::Run{.pid = pid, .exit = exits_[pid], .output = {}};
    }

    bool signal(pid_t pid, int sig) override {
        if (sig != 0) signals.push_back({pid, sig});
        bool found = pid < 0 ? groups_.contains(-pid) && !groups_[-pid].empty() : alive(pid);
        if (found && sig == SIGKILL) {
            if (pid < 0)
                for (pid_t member : std::set(groups_[-pid])) die(member, SIGKILL);
            else
                die(pid, SIGKILL);
        }
        return found;
    }

    void signal_everyone(int sig) override {
        signals.push_back({0, sig});
        if (sig != SIGKILL && !(sig == SIGTERM && term_kills)) return;
        for (auto& [pgid, members] : groups_)
            for (pid_t member : std::set(members)) die(member, sig);
    }

    dev8::process::Reaper::Result reap() override {
        auto dead = std::move(dead_);
        dead_.clear();
        for (auto& [pid, status] : dead) {
            if (auto it = exits_.find(pid); it != exits_.end()) it->second->complete(status);
        }
        return {.reaped = dead.size(), .no_children = !any_alive()};
    }

    Clock::time_point now() const override { return now_; }

    TimerId after(std::chrono::milliseconds delay, std::function<void()> callback) override {
        TimerId id = next_timer_++;
        timers_[id] = {now_ + delay, std::move(callback)};
        return id;
    }

    void cancel(TimerId id) override { timers_.erase(id); }

    std::unique_ptr<dev8::supervisor::ReadyWatch> watch_ready(
        const dev8::supervisor::ReadyProbe&, std::function<void()> ready) override {
        auto cancelled = std::make_shared<bool>(false);
        probes.push_back({std::move(ready), cancelled});
        return std::make_unique<Watch>(cancelled);
    }

    double jitter() override { return jitter_value; }

    // The process ends: exit code `code`, or killed by `signal`. Its parent
    // learns of it at the next reap().
    void exit(pid_t pid, int code) { die(pid, 0, code); }
    void kill(pid_t pid, int sig) { die(pid, sig); }

    // A process of `pgid`'s group that outlives the group leader; returns its pid.
    pid_t linger(pid_t pgid) {
        pid_t pid = next_pid_++;
        groups_[pgid].insert(pid);
        return pid;
    }

    bool alive(pid_t pid) const {
        return std::ranges::any_of(groups_,
                                   [pid](const auto& g) { return g.second.contains(pid); });
    }
    bool any_alive() const {
        return std::ranges::any_of(groups_, [](const auto& g) { return !g.second.empty(); });
    }

    // Moves the clock on, firing each timer when its time comes.
    void advance(std::chrono::milliseconds by) {
        auto until = now_ + by;
        for (;;) {
            auto next = std::ranges::min_element(timers_, [](const auto& a, const auto& b) {
                return a.second.first < b.second.first;
            });
            if (next == timers_.end() || next->second.first > until) break;
            now_ = std::max(now_, next->second.first);
            auto callback = std::move(next->second.second);
            timers_.erase(next);
            callback();
        }
        now_ = until;
    }

    // How long until the next timer fires; nullopt when none is set.
    std::optional<std::chrono::milliseconds> next_timer() const {
        if (timers_.empty()) return std::nullopt;
        auto next = std::ranges::min_element(
            timers_, [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
        return std::chrono::duration_cast<std::chrono::milliseconds>(next->second.first - now_);
    }

    pid_t last_pid() const { return spawned.empty() ? -1 : spawned.back().pid; }

  private:
    class Watch final : public dev8::supervisor::ReadyWatch {
      public:
        explicit Watch(std::shared_ptr<bool> cancelled) : cancelled_(std::move(cancelled)) {}
        ~Watch() override { *cancelled_ = true; }
        void cancel() override { *cancelled_ = true; }

      private:
        std::shared_ptr<bool> cancelled_;
    };

    void die(pid_t pid, int sig, int code = 0) {
        for (auto& [pgid, members] : groups_) {
            if (!members.erase(pid)) continue;
            dev8::process::ExitStatus status;
            status.at = std::chrono::system_clock::now();
            if (sig)
                status.signal = sig;
            else
                status.code = code;
            dead_.emplace_back(pid, status);
        }
    }

    pid_t next_pid_ = 100;
    TimerId next_timer_ = 1;
    Clock::time_point now_{};
    std::map<pid_t, std::shared_ptr<dev8::process::ChildExit>> exits_;
    std::map<pid_t, std::set<pid_t>> groups_;  // pgid -> live members
    std::vector<std::pair<pid_t, dev8::process::ExitStatus>> dead_;
    std::map<TimerId, std::pair<Clock::time_point, std::function<void()>>> timers_;
};
