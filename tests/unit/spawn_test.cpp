#include "dev8/process/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "dev8/process/reaper.h"
#include "temp_dir.h"

using namespace dev8::process;

namespace {

std::vector<std::string> plain_env() {
    return {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
}

// Reaps until `exit` is known, as the event loop would on SIGCHLD.
ExitStatus reap_until(Reaper& reaper, ChildExit& exit) {
    for (;;) {
        reaper.reap();
        if (auto status = exit.wait_for(std::chrono::milliseconds(5))) return *status;
    }
}

std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

}  // namespace

TEST_CASE("a child's exit code and stdout come back") {
    Reaper reaper;
    auto child = spawn({.argv = {"sh", "-c", "echo hello; exit 42"}, .env = plain_env()}, reaper);
    REQUIRE(child);
    CHECK(read_all(child->stdout_fd.get()) == "hello\n");
    auto status = reap_until(reaper, *child->exit);
    CHECK(status.code == 42);
    CHECK(status.shell_code() == 42);
}

TEST_CASE("a child killed by a signal reports 128 + N") {
    Reaper reaper;
    auto child = spawn({.argv = {"sh", "-c", "kill -USR1 $$"}, .env = plain_env()}, reaper);
    REQUIRE(child);
    auto status = reap_until(reaper, *child->exit);
    CHECK(status.signal == SIGUSR1);
    CHECK(status.shell_code() == 128 + SIGUSR1);
}

TEST_CASE("a missing command is 127 and a non-executable file is 126") {
    Reaper reaper;
    auto missing = spawn({.argv = {"no-such-command-dev8"}, .env = plain_env()}, reaper);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().exit_code == 127);
    CHECK_THAT(missing.error().message, Catch::Contains("no-such-command-dev8"));

    TempDir dir;
    auto file = dir.write("script", "#!/bin/sh\necho hi\n");
    auto not_exec = spawn({.argv = {file}, .env = plain_env()}, reaper);
    REQUIRE_FALSE(not_exec);
    CHECK(not_exec.error().exit_code == 126);

    auto directory = spawn({.argv = {dir.str()}, .env = plain_env()}, reaper);
    REQUIRE_FALSE(directory);
    CHECK(directory.error().exit_code == 126);
}

TEST_CASE("a child starts with an empty signal mask and default dispositions") {
    sigset_t blocked, previous;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &blocked, &previous);
    struct sigaction ignore {
    }, old{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGUSR1, &ignore, &old);

    Reaper reaper;
    auto child = spawn(
        {.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}, .env = plain_env()}, reaper);
    REQUIRE(child);
    auto out = read_all(child->stdout_fd.get());
    reap_until(reaper, *child->exit);
    ::sigaction(SIGUSR1, &old, nullptr);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);

    CHECK_THAT(out, Catch::Contains("SigBlk:\t0000000000000000"));
    CHECK_THAT(out, Catch::Contains("SigIgn:\t0000000000000000"));
}

TEST_CASE("a child gets its own process group, cwd and environment") {
    TempDir dir;
    Reaper reaper;
    auto child = spawn({.argv = {"sh", "-c", "echo $(ps -o pgid= -p $$) $$ $(pwd) $GREETING"},
                        .env = {"PATH=/usr/bin:/bin", "GREETING=hi"},
                        .cwd = dir.str()},
                       reaper);
    REQUIRE(child);
    std::istringstream out(read_all(child->stdout_fd.get()));
    reap_until(reaper, *child->exit);
    std::string pgid, pid, cwd, greeting;
    out >> pgid >> pid >> cwd >> greeting;
    CHECK(pgid == pid);
    CHECK(cwd == std::filesystem::canonical(dir.path).string());
    CHECK(greeting == "hi");
}

TEST_CASE("a child inherits none of our descriptors") {
    TempDir dir;
    auto path = dir.write("open", "x");
    int leaked = ::open(path.c_str(), O_RDONLY);  // deliberately without O_CLOEXEC
    Reaper reaper;
    auto child = spawn({.argv = {"sh", "-c", "ls /proc/$$/fd"}, .env = plain_env()}, reaper);
    REQUIRE(child);
    auto out = read_all(child->stdout_fd.get());
    reap_until(reaper, *child->exit);
    ::close(leaked);
    std::string listed = std::to_string(leaked);
    listed.insert(listed.begin(), '\n');
    listed.push_back('\n');
    CHECK_THAT(out, !Catch::Contains(listed));
}

TEST_CASE("the child environment carries the user's HOME, USER and overrides") {
    dev8::fs::Account dev{"dev8", 1000, 1000, "/home/dev8", "/bin/bash", {1000}};
    auto env = child_environment({{"PATH", "/bin"}, {"HOME", "/root"}}, dev, {{"K", "v"}});
    CHECK(env == std::vector<std::string>{"HOME=/home/dev8", "K=v", "LOGNAME=dev8", "PATH=/bin",
                                          "SHELL=/bin/bash", "USER=dev8"});
}

TEST_CASE("executables are looked up on PATH") {
    CHECK(find_executable("sh", "/nonexistent:/bin") == "/bin/sh");
    CHECK_FALSE(find_executable("sh", "/nonexistent"));
    CHECK(find_executable("/bin/sh", "") == "/bin/sh");
}

TEST_CASE("an orphan reaped without registration is counted") {
    Reaper reaper;
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    while (reaper.orphans_reaped() == 0) reaper.reap();
    CHECK(reaper.orphans_reaped() == 1);
    CHECK(reaper.reap().no_children);
}
