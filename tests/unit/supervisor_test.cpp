#include "dev8/supervisor/supervisor.h"

#include <catch2/catch.hpp>

#include "fake_processes.h"

using namespace dev8;
using namespace std::chrono_literals;
using supervisor::RestartPolicy;
using supervisor::ServiceState;

namespace {

supervisor::ServiceSpec service(std::string name, RestartPolicy restart = RestartPolicy::Always) {
    supervisor::ServiceSpec spec;
    spec.name = std::move(name);
    spec.command = {"/bin/true"};
    spec.restart = restart;
    return spec;
}

supervisor::ServiceSpec main_command() {
    auto spec = service("main", RestartPolicy::Never);
    spec.is_main = true;
    return spec;
}

// A supervisor on fake processes, and what a SIGCHLD would make of an exit.
struct Harness {
    FakeProcesses processes;
    supervisor::Supervisor supervisor{processes, {.stop_timeout = 8s, .base_env = {}}};
    int stops_needed = 0;

    Harness() {
        supervisor.on_stop_needed([this] { ++stops_needed; });
    }

    void reap() {
        processes.reap();
        supervisor.on_reaped();
    }
    void exit(pid_t pid, int code) {
        processes.exit(pid, code);
        reap();
    }
    void kill(pid_t pid, int sig) {
        processes.kill(pid, sig);
        reap();
    }
    supervisor::ServiceReport report(size_t i = 0) const { return supervisor.reports().at(i); }
};

}  // namespace

TEST_CASE("a service without a probe is ready once started", "[supervisor]") {
    Harness h;
    auto spec = service("web");
    spec.essential = true;
    h.supervisor.add(spec);
    h.supervisor.start_all();
    REQUIRE(h.processes.spawned.size() == 1);
    CHECK(h.report().state == ServiceState::Ready);
    CHECK(h.report().pid == h.processes.last_pid());
    CHECK(h.report().required);
    CHECK(h.supervisor.ready());
    CHECK(h.processes.spawned[0].spec.new_process_group);
}

TEST_CASE("a service with a probe is starting until the probe answers", "[supervisor]") {
    Harness h;
    auto spec = service("code-server");
    spec.builtin = true;
    spec.ready = supervisor::TcpProbe{8888};
    h.supervisor.add(spec);
    h.supervisor.start_all();
    CHECK(h.report().state == ServiceState::Starting);
    CHECK_FALSE(h.supervisor.ready());
    h.processes.advance(30s);
    CHECK(h.report().state == ServiceState::Starting);  // no answer: still starting, no timeout
    REQUIRE(h.processes.probes.size() == 1);
    h.processes.probes[0].ready();
    CHECK(h.report().state == ServiceState::Ready);
    CHECK(h.supervisor.ready());
}

TEST_CASE("a readiness poll ends with its run, and an earlier run's answer is ignored",
          "[supervisor]") {
    Harness h;
    auto spec = service("web");
    spec.ready = supervisor::TcpProbe{8888};
    h.supervisor.add(spec);
    h.supervisor.start_all();
    h.exit(h.processes.last_pid(), 1);
    CHECK(*h.processes.probes[0].cancelled);
    h.processes.advance(1s);
    REQUIRE(h.processes.spawned.size() == 2);
    REQUIRE(h.processes.probes.size() == 2);
    h.processes.probes[0].ready();  // posted before the cancel, delivered after the restart
    CHECK(h.report().state == ServiceState::Starting);
    h.processes.probes[1].ready();
    CHECK(h.report().state == ServiceState::Ready);
}

TEST_CASE("a crashing service restarts after 1, 2, 4, 8, 16, 30 and 30 s", "[supervisor]") {
    Harness h;
    h.supervisor.add(service("crashy"));
    h.supervisor.start_all();
    for (auto delay : {1s, 2s, 4s, 8s, 16s, 30s, 30s}) {
        INFO(delay.count());
        h.exit(h.processes.last_pid(), 1);
        CHECK(h.report().state == ServiceState::Backoff);
        CHECK(h.processes.next_timer() == delay);
        auto runs = h.processes.spawned.size();
        h.processes.advance(delay - 1ms);
        CHECK(h.processes.spawned.size() == runs);
        h.processes.advance(1ms);
        CHECK(h.processes.spawned.size() == runs + 1);
    }
    CHECK(h.report().restarts == 7);
    CHECK(h.report().last_exit->code == 1);
}

TEST_CASE("a run that lasted 60 s resets the backoff to 1 s", "[supervisor]") {
    Harness h;
    h.supervisor.add(service("flaky"));
    h.supervisor.start_all();
    for (auto delay : {1s, 2s, 4s}) {
        h.exit(h.processes.last_pid(), 1);
        h.processes.advance(delay);
    }
    h.processes.advance(59s);
    h.exit(h.processes.last_pid(), 1);
    CHECK(h.processes.next_timer() == 8s);  // 59 s up is not enough
    h.processes.advance(8s);
    h.processes.advance(60s);
    h.exit(h.processes.last_pid(), 1);
    CHECK(h.processes.next_timer() == 1s);
}

TEST_CASE("jitter moves a restart by at most 10 %", "[supervisor]") {
    for (auto [jitter, delay] : {std::pair{1.0, 1100ms}, std::pair{-1.0, 900ms}}) {
        Harness h;
        h.processes.jitter_value = jitter;
        h.supervisor.add(service("crashy"));
        h.supervisor.start_all();
        h.exit(h.processes.last_pid(), 1);
        CHECK(h.processes.next_timer() == delay);
    }
}

TEST_CASE("restart always, on-failure and never", "[supervisor]") {
    struct Case {
        RestartPolicy policy;
        int code;
        bool restarted;
        ServiceState after;
    };
    for (auto c : {Case{RestartPolicy::Always, 0, true, ServiceState::Backoff},
                   Case{RestartPolicy::Always, 1, true, ServiceState::Backoff},
                   Case{RestartPolicy::OnFailure, 1, true, ServiceState::Backoff},
                   Case{RestartPolicy::OnFailure, 0, false, ServiceState::Stopped},
                   Case{RestartPolicy::Never, 0, false, ServiceState::Stopped},
                   Case{RestartPolicy::Never, 2, false, ServiceState::Failed}}) {
        INFO("policy " << supervisor::to_string(c.policy) << ", exit " << c.code);
        Harness h;
        h.supervisor.add(service("job", c.policy));
        h.supervisor.start_all();
        h.exit(h.processes.last_pid(), c.code);
        CHECK(h.report().state == c.after);
        CHECK(h.report().last_exit->code == c.code);
        h.processes.advance(1h);
        CHECK(h.processes.spawned.size() == (c.restarted ? 2u : 1u));
        CHECK(h.stops_needed == 0);  // not essential: the container goes on
    }
}

TEST_CASE("an essential one-shot job that exited 0 counts as ready; one that failed does not",
          "[supervisor]") {
    Harness h;
    for (auto [name, policy] : {std::pair{"migrate", RestartPolicy::OnFailure},
                                std::pair{"seed", RestartPolicy::Never}}) {
        auto spec = service(name, policy);
        spec.essential = true;
        h.supervisor.add(spec);
    }
    h.supervisor.start_all();
    h.exit(h.processes.spawned[0].pid, 0);
    CHECK(h.supervisor.ready());
    h.exit(h.processes.spawned[1].pid, 3);
    CHECK_FALSE(h.supervisor.ready());
}

TEST_CASE("a service that is neither built in nor essential never makes it unready",
          "[supervisor]") {
    Harness h;
    auto sidecar = service("jupyter");
    sidecar.ready = supervisor::TcpProbe{8888};
    h.supervisor.add(sidecar);
    h.supervisor.add(service("once", RestartPolicy::Never));
    h.supervisor.start_all();
    CHECK(h.supervisor.ready());  // jupyter still starting
    h.exit(h.processes.spawned[0].pid, 1);
    h.exit(h.processes.spawned[1].pid, 1);
    CHECK(h.report(0).state == ServiceState::Backoff);
    CHECK(h.report(1).state == ServiceState::Failed);
    CHECK_FALSE(h.report(0).required);
    CHECK(h.supervisor.ready());
}

TEST_CASE("an essential service that ends for good stops the container, 1 if it failed",
          "[supervisor]") {
    struct Case {
        const char* how;
        int code;
        int signal;
        int exit_code;
    };
    for (auto c :
         {Case{"exit 0", 0, 0, 0}, Case{"exit 3", 3, 0, 1}, Case{"killed", 0, SIGSEGV, 1}}) {
        INFO(c.how);
        Harness h;
        auto spec = service("db", RestartPolicy::Never);
        spec.essential = true;
        h.supervisor.add(spec);
        h.supervisor.add(service("web"));
        h.supervisor.start_all();
        if (c.signal)
            h.kill(h.processes.spawned[0].pid, c.signal);
        else
            h.exit(h.processes.spawned[0].pid, c.code);
        CHECK(h.stops_needed == 1);
        CHECK(h.supervisor.exit_code(std::nullopt) == c.exit_code);
        CHECK(h.supervisor.exit_code(SIGTERM) == c.exit_code);  // no main command: not 143
    }
}

TEST_CASE("an essential service that is restarted does not stop the container", "[supervisor]") {
    Harness h;
    auto spec = service("db", RestartPolicy::OnFailure);
    spec.essential = true;
    h.supervisor.add(spec);
    h.supervisor.start_all();
    h.exit(h.processes.last_pid(), 1);
    CHECK(h.stops_needed == 0);
    CHECK(h.report().state == ServiceState::Backoff);
    CHECK(h.supervisor.exit_code(std::nullopt) == 0);
}

TEST_CASE("the main command's status is the container's exit code", "[supervisor]") {
    SECTION("its own exit code, whatever the services did") {
        Harness h;
        h.supervisor.add(main_command());
        h.supervisor.start_all();
        h.exit(h.processes.last_pid(), 7);
        CHECK(h.stops_needed == 1);
        CHECK(h.report().state == ServiceState::Failed);
        CHECK(h.supervisor.exit_code(SIGTERM) == 7);
    }
    SECTION("128 + the signal that killed it") {
        Harness h;
        h.supervisor.add(main_command());
        h.supervisor.start_all();
        h.supervisor.stop();
        h.kill(h.processes.last_pid(), SIGKILL);
        CHECK(h.supervisor.exit_code(SIGTERM) == 137);
    }
    SECTION("128 + the stop signal when it never ran") {
        Harness h;
        h.processes.fail_spawn = process::SpawnError{127, "nope: command not found"};
        h.supervisor.add(main_command());
        h.supervisor.stop();
        CHECK(h.supervisor.exit_code(SIGINT) == 130);
        CHECK(h.supervisor.exit_code(std::nullopt) == 0);
    }
    SECTION("127 when it is not found; it is never restarted") {
        Harness h;
        h.processes.fail_spawn = process::SpawnError{127, "nope: command not found"};
        h.supervisor.add(main_command());
        h.supervisor.start_all();
        CHECK(h.stops_needed == 1);
        CHECK(h.supervisor.exit_code(std::nullopt) == 127);
        CHECK_FALSE(h.processes.next_timer());
    }
}

TEST_CASE("what a run leaves in its process group is drained before the restart", "[supervisor]") {
    Harness h;
    h.supervisor.add(service("code-server"));
    h.supervisor.start_all();
    pid_t leader = h.processes.last_pid();
    pid_t child = h.processes.linger(leader);
    h.exit(leader, 1);
    CHECK(h.processes.signals == std::vector<FakeProcesses::Signal>{{-leader, SIGTERM}});
    h.processes.advance(1s);  // the backoff is over, but the group is not gone
    CHECK(h.processes.spawned.size() == 1);
    h.processes.advance(500ms);
    h.exit(child, 0);  // obeyed SIGTERM
    CHECK(h.processes.spawned.size() == 2);
    CHECK(h.report().restarts == 1);
    h.processes.advance(1h);
    CHECK(h.processes.signals.size() == 1);  // no SIGKILL for a group that is gone
}

TEST_CASE("a leftover group that ignores SIGTERM gets SIGKILL after the stop timeout",
          "[supervisor]") {
    Harness h;
    h.supervisor.add(service("code-server"));
    h.supervisor.start_all();
    pid_t leader = h.processes.last_pid();
    h.processes.linger(leader);
    h.exit(leader, 137);
    h.processes.advance(8s - 1ms);
    CHECK(h.processes.signals == std::vector<FakeProcesses::Signal>{{-leader, SIGTERM}});
    CHECK(h.processes.spawned.size() == 1);
    h.processes.advance(1ms);
    CHECK(h.processes.signals.back() == FakeProcesses::Signal{-leader, SIGKILL});
    h.reap();
    CHECK(h.processes.spawned.size() == 2);
}

TEST_CASE("a start that fails before exec is retried with backoff and says why", "[supervisor]") {
    SECTION("its preparation failed") {
        Harness h;
        auto spec = service("sshd");
        int attempts = 0;
        spec.prepare =
            [&attempts]() -> std::expected<std::map<std::string, std::string>, std::string> {
            if (++attempts < 3) return std::unexpected("/home/dev8/.ssh: not a directory");
            return std::map<std::string, std::string>{{"ONE_RUN", "1"}};
        };
        h.supervisor.add(spec);
        h.supervisor.start_all();
        CHECK(h.processes.spawned.empty());
        CHECK(h.report().state == ServiceState::Backoff);
        CHECK(h.report().message == "/home/dev8/.ssh: not a directory");
        CHECK(h.report().last_exit->code == 1);
        h.processes.advance(1s);
        CHECK(h.processes.spawned.empty());
        h.processes.advance(2s);
        REQUIRE(h.processes.spawned.size() == 1);
        CHECK(h.report().message.empty());
        CHECK(h.report().state == ServiceState::Ready);
        auto& env = h.processes.spawned[0].spec.env;
        CHECK(std::ranges::find(env, "ONE_RUN=1") != env.end());
    }
    SECTION("its program is not there") {
        Harness h;
        h.processes.fail_spawn = process::SpawnError{127, "jupyter: command not found"};
        h.supervisor.add(service("jupyter"));
        h.supervisor.start_all();
        CHECK(h.report().state == ServiceState::Backoff);
        CHECK(h.report().last_exit->code == 127);
        CHECK(h.report().message == "jupyter: command not found");
        h.processes.fail_spawn.reset();
        h.processes.advance(1s);
        CHECK(h.report().state == ServiceState::Ready);
    }
}

TEST_CASE("once stopping, nothing starts again", "[supervisor]") {
    Harness h;
    h.supervisor.add(service("crashy"));
    h.supervisor.add(service("web"));
    h.supervisor.start_all();
    h.exit(h.processes.spawned[0].pid, 1);
    h.supervisor.stop();
    CHECK(h.report(0).state == ServiceState::Stopped);   // was in backoff
    CHECK(h.report(1).state == ServiceState::Stopping);  // still running
    CHECK(h.supervisor.stopping());
    h.exit(h.processes.spawned[1].pid, 0);
    CHECK(h.report(1).state == ServiceState::Stopped);
    h.processes.advance(1h);
    h.supervisor.start_all();
    CHECK(h.processes.spawned.size() == 2);
    CHECK(h.stops_needed == 0);
}

TEST_CASE("forwarded signals go to the main command alone", "[supervisor]") {
    Harness h;
    h.supervisor.add(service("web"));
    h.supervisor.add(main_command());
    h.supervisor.start_all();
    h.supervisor.forward_to_main(SIGUSR1);
    CHECK(h.processes.signals ==
          std::vector<FakeProcesses::Signal>{{h.processes.spawned[1].pid, SIGUSR1}});
}

TEST_CASE("children get the base environment, the service's own and its user's HOME",
          "[supervisor]") {
    FakeProcesses processes;
    supervisor::Supervisor supervisor(processes,
                                      {.stop_timeout = 1s, .base_env = {{"PATH", "/bin"}}});
    auto spec = service("web");
    spec.user = {.name = "dev8",
                 .uid = 1000,
                 .gid = 1000,
                 .home = "/home/dev8",
                 .shell = "/bin/bash",
                 .groups = {1000}};
    spec.env = {{"PORT", "8888"}};
    spec.cwd = "/workspace";
    supervisor.add(spec);
    supervisor.start_all();
    const auto& spawned = processes.spawned.at(0).spec;
    CHECK(spawned.env == std::vector<std::string>{"HOME=/home/dev8", "LOGNAME=dev8", "PATH=/bin",
                                                  "PORT=8888", "SHELL=/bin/bash", "USER=dev8"});
    CHECK(spawned.cwd == "/workspace");
    CHECK(spawned.user->uid == 1000);
    CHECK(spawned.stdout_mode == process::Stdio::Pipe);
    CHECK(spawned.stdin_mode == process::Stdio::Null);
}

TEST_CASE("a disabled service is listed with its reason", "[supervisor]") {
    Harness h;
    h.supervisor.add_disabled("code-server", "code-server not installed");
    auto report = h.report();
    CHECK(report.state == ServiceState::Disabled);
    CHECK(report.message == "code-server not installed");
    CHECK(h.supervisor.ready());
}

TEST_CASE("a start that keeps failing before exec backs off even long after a good run",
          "[supervisor]") {
    Harness h;
    auto spec = service("code-server");
    bool broken = false;
    spec.prepare = [&broken]() -> std::expected<std::map<std::string, std::string>, std::string> {
        if (broken) return std::unexpected("code-server-password: a FIFO, not read");
        return std::map<std::string, std::string>{};
    };
    h.supervisor.add(spec);
    h.supervisor.start_all();
    h.processes.advance(10min);  // a long, good run
    broken = true;
    h.exit(h.processes.last_pid(), 1);
    for (auto delay : {1s, 2s, 4s, 8s}) {
        INFO(delay.count());
        CHECK(h.processes.next_timer() == delay);
        h.processes.advance(delay);
    }
}
