#include "dev8/app/pid1.h"

#include <catch2/catch.hpp>

#include "fake_processes.h"

using namespace dev8;
using namespace std::chrono_literals;
using Signal = FakeProcesses::Signal;

namespace {

// PID 1 on fake processes: a main command, or a plain service, and what the
// hooks were told.
struct Harness {
    FakeProcesses processes;
    supervisor::Supervisor supervisor{processes, {.stop_timeout = 8s, .base_env = {}}};
    int stopping = 0;
    int reloads = 0;
    std::optional<int> finished;
    app::Pid1 pid1{processes,
                   supervisor,
                   8s,
                   {.stopping = [this] { ++stopping; },
                    .reload = [this] { ++reloads; },
                    .finished = [this](int code) { finished = code; }}};

    explicit Harness(bool with_main) {
        supervisor::ServiceSpec spec;
        spec.name = with_main ? "main" : "web";
        spec.command = {"/bin/sleep", "1000"};
        spec.restart =
            with_main ? supervisor::RestartPolicy::Never : supervisor::RestartPolicy::Always;
        spec.is_main = with_main;
        supervisor.add(spec);
        supervisor.start_all();
    }

    pid_t pid() const { return processes.spawned.at(0).pid; }
    // The process ends; SIGCHLD follows.
    void exits(int code) {
        processes.exit(pid(), code);
        pid1.on_signal(SIGCHLD);
    }
    void killed(int sig) {
        processes.kill(pid(), sig);
        pid1.on_signal(SIGCHLD);
    }
};

}  // namespace

TEST_CASE("SIGTERM: SIGTERM to every process once, done when the last one is gone", "[pid1]") {
    Harness h(true);
    h.pid1.on_signal(SIGTERM);
    CHECK(h.pid1.stopping());
    CHECK(h.stopping == 1);
    CHECK(h.processes.signals == std::vector<Signal>{{0, SIGTERM}});
    CHECK_FALSE(h.finished);
    h.killed(SIGTERM);
    CHECK(h.finished == 128 + SIGTERM);
    h.processes.advance(1h);
    CHECK(h.processes.signals.size() == 1);  // no SIGKILL once the stop is done
}

TEST_CASE("a process that ignores SIGTERM gets SIGKILL after the stop timeout", "[pid1]") {
    Harness h(true);
    h.pid1.on_signal(SIGTERM);
    h.processes.advance(8s - 1ms);
    CHECK(h.processes.signals == std::vector<Signal>{{0, SIGTERM}});
    CHECK_FALSE(h.finished);
    h.processes.advance(1ms);
    CHECK(h.processes.signals == std::vector<Signal>{{0, SIGTERM}, {0, SIGKILL}});
    h.pid1.on_signal(SIGCHLD);
    CHECK(h.finished == 128 + SIGKILL);
}

TEST_CASE("a main command that traps SIGTERM and exits 0 makes the exit code 0", "[pid1]") {
    Harness h(true);
    h.pid1.on_signal(SIGINT);
    h.exits(0);
    CHECK(h.finished == 0);
}

TEST_CASE("without a main command a graceful stop exits 0", "[pid1]") {
    Harness h(false);
    h.pid1.on_signal(SIGQUIT);
    h.killed(SIGTERM);
    CHECK(h.finished == 0);
    CHECK(h.processes.spawned.size() == 1);  // the stopped service is not restarted
}

TEST_CASE("the main command's end stops the container with its exit code", "[pid1]") {
    Harness h(true);
    h.exits(3);
    CHECK(h.pid1.stopping());
    CHECK(h.processes.signals == std::vector<Signal>{{0, SIGTERM}});
    CHECK(h.finished == 3);  // nothing else was left
}

TEST_CASE("the stop waits for every process, orphans included", "[pid1]") {
    Harness h(true);
    pid_t orphan = h.processes.linger(h.pid());
    h.pid1.on_signal(SIGTERM);
    h.exits(0);
    CHECK_FALSE(h.finished);
    h.processes.exit(orphan, 0);
    h.pid1.on_signal(SIGCHLD);
    CHECK(h.finished == 0);
}

TEST_CASE("a second stop signal changes nothing", "[pid1]") {
    Harness h(true);
    h.pid1.on_signal(SIGTERM);
    h.pid1.on_signal(SIGTERM);
    h.pid1.on_signal(SIGINT);
    CHECK(h.processes.signals == std::vector<Signal>{{0, SIGTERM}});
    CHECK(h.stopping == 1);
    h.killed(SIGTERM);
    CHECK(h.finished == 128 + SIGTERM);  // the first stop signal counts
}

TEST_CASE("SIGHUP reloads and goes to the main command; SIGTTIN and SIGTTOU do nothing", "[pid1]") {
    Harness h(true);
    h.pid1.on_signal(SIGHUP);
    CHECK(h.reloads == 1);
    h.pid1.on_signal(SIGUSR1);
    h.pid1.on_signal(SIGUSR2);
    h.pid1.on_signal(SIGWINCH);
    h.pid1.on_signal(SIGTTIN);
    h.pid1.on_signal(SIGTTOU);
    CHECK(h.processes.signals ==
          std::vector<Signal>{
              {h.pid(), SIGHUP}, {h.pid(), SIGUSR1}, {h.pid(), SIGUSR2}, {h.pid(), SIGWINCH}});
    CHECK_FALSE(h.pid1.stopping());
}

TEST_CASE("a stop with nothing running finishes at once", "[pid1]") {
    Harness h(false);
    h.processes.kill(h.pid(), SIGKILL);  // gone, not yet reaped
    h.pid1.stop();
    CHECK(h.finished == 0);
}

TEST_CASE("without the event loop the stop still ends every process", "[pid1]") {
    Harness h(true);
    h.processes.linger(h.pid());
    h.processes.term_kills = true;
    h.pid1.stop_without_loop();
    CHECK(h.processes.signals == std::vector<Signal>{{0, SIGTERM}});
    CHECK_FALSE(h.processes.any_alive());
    CHECK(h.pid1.stopping());
}
