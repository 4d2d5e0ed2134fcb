#include "dev8/process/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dev8::process {
namespace {

// The kernel's struct sigaction: the raw syscall also resets the signals glibc
// reserves for itself (32, 33), which sigaction() refuses to touch.
struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    unsigned long mask;
};

enum class Stage : int { Stdio, Tty, Groups, Gid, Uid, Chdir, Exec };

struct ChildFailure {
    Stage stage;
    int error;
};

const char* stage_name(Stage stage) {
    switch (stage) {
        case Stage::Stdio:
            return "set up stdio";
        case Stage::Tty:
            return "take the terminal";
        case Stage::Groups:
            return "set groups";
        case Stage::Gid:
            return "set gid";
        case Stage::Uid:
            return "set uid";
        case Stage::Chdir:
            return "change directory";
        case Stage::Exec:
            return "exec";
    }
    return "start";
}

// Everything the child needs, built before fork so the child never allocates.
struct Prepared {
    std::string path;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<gid_t> groups;
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
    int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;  // -1: inherit
};

[[noreturn]] void child_fail(int report_fd, Stage stage) {
    ChildFailure failure{stage, errno};
    [[maybe_unused]] auto n = ::write(report_fd, &failure, sizeof failure);
    ::_exit(failure.error == ENOENT ? 127 : 126);
}

void reset_signals() {
    KernelSigaction dfl{SIG_DFL, 0, nullptr, 0};
    for (int sig = 1; sig < 65; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        ::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof(unsigned long));
    }
    unsigned long empty = 0;
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, nullptr, sizeof(unsigned long));
}

[[noreturn]] void run_child(const Prepared& p, const SpawnSpec& spec, int report_fd) {
    if (spec.new_process_group) ::setpgid(0, 0);
    // Our signals are all blocked here, so taking the foreground raises no SIGTTOU.
    if (spec.foreground_tty && ::tcsetpgrp(STDIN_FILENO, ::getpid()) < 0 && errno != ENOTTY) {
        child_fail(report_fd, Stage::Tty);
    }
    int fds[3] = {p.stdin_fd, p.stdout_fd, p.stderr_fd};
    for (int target = 0; target < 3; ++target) {
        if (fds[target] >= 0 && ::dup2(fds[target], target) < 0)
            child_fail(report_fd, Stage::Stdio);
    }
    if (p.switch_user) {
        if (::syscall(SYS_setgroups, p.groups.size(), p.groups.data()) < 0) {
            child_fail(report_fd, Stage::Groups);
        }
        if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) < 0) child_fail(report_fd, Stage::Gid);
        if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) < 0) child_fail(report_fd, Stage::Uid);
    }
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) < 0) child_fail(report_fd, Stage::Chdir);
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    reset_signals();
    ::execve(p.path.c_str(), p.argv.data(), p.envp.data());
    child_fail(report_fd, Stage::Exec);
}

std::string path_of(const std::vector<std::string>& env) {
    for (const auto& entry : env) {
        if (entry.starts_with("PATH=")) return entry.substr(5);
    }
    return kDefaultPath;
}

struct Pipes {
    fs::UniqueFd child_stdin, parent_stdin;
    fs::UniqueFd child_stdout, parent_stdout;
    fs::UniqueFd child_stderr, parent_stderr;
    fs::UniqueFd dev_null;
};

bool make_pipe(fs::UniqueFd& read_end, fs::UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return false;
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return true;
}

std::expected<Pipes, SpawnError> open_stdio(const SpawnSpec& spec, Prepared& p) {
    Pipes pipes;
    auto fail = [] {
        return std::unexpected(
            SpawnError{126, std::string("cannot create pipes: ") + std::strerror(errno)});
    };
    bool needs_null = spec.stdin_mode == Stdio::Null || spec.stdout_mode == Stdio::Null ||
                      spec.stderr_mode == Stdio::Null;
    if (needs_null) {
        pipes.dev_null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
        if (!pipes.dev_null) return fail();
    }
    if (spec.stdin_mode == Stdio::Pipe && !make_pipe(pipes.child_stdin, pipes.parent_stdin))
        return fail();
    if (spec.stdout_mode == Stdio::Pipe && !make_pipe(pipes.parent_stdout, pipes.child_stdout))
        return fail();
    if (spec.stderr_mode == Stdio::Pipe && !make_pipe(pipes.parent_stderr, pipes.child_stderr))
        return fail();
    auto pick = [&](Stdio mode, const fs::UniqueFd& pipe_end) {
        if (mode == Stdio::Pipe) return pipe_end.get();
        if (mode == Stdio::Null) return pipes.dev_null.get();
        return -1;
    };
    p.stdin_fd = pick(spec.stdin_mode, pipes.child_stdin);
    p.stdout_fd = pick(spec.stdout_mode, pipes.child_stdout);
    p.stderr_fd = pick(spec.stderr_mode, pipes.child_stderr);
    return pipes;
}

std::expected<Prepared, SpawnError> prepare(const SpawnSpec& spec) {
    if (spec.argv.empty() || spec.argv[0].empty())
        return std::unexpected(SpawnError{127, "empty command"});
    Prepared p;
    auto path = find_executable(spec.argv[0], path_of(spec.env));
    if (!path) return std::unexpected(SpawnError{127, spec.argv[0] + ": command not found"});
    struct stat st {};
    if (::stat(path->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        return std::unexpected(SpawnError{126, *path + ": is a directory"});
    }
    p.path = *path;
    for (const auto& arg : spec.argv) p.argv.push_back(const_cast<char*>(arg.c_str()));
    p.argv.push_back(nullptr);
    for (const auto& entry : spec.env) p.envp.push_back(const_cast<char*>(entry.c_str()));
    p.envp.push_back(nullptr);
    // As root, always: the calling thread may act as the developer for files
    // (fsuid, groups), which a child of root's own must not inherit.
    if (spec.user &&
        (::geteuid() == 0 || spec.user->uid != ::geteuid() || spec.user->gid != ::getegid())) {
        p.switch_user = true;
        p.uid = spec.user->uid;
        p.gid = spec.user->gid;
        p.groups = spec.user->groups;
    }
    return p;
}

}  // namespace

std::optional<std::string> find_executable(const std::string& name, const std::string& path) {
    if (name.find('/') != std::string::npos) {
        if (::access(name.c_str(), F_OK) == 0) return name;
        return std::nullopt;
    }
    std::string_view rest = path;
    std::optional<std::string> not_executable;
    while (true) {
        auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
            if (!not_executable) not_executable = candidate;
        }
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return not_executable;  // exec reports EACCES: 126, as a shell does
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& base,
                                           const std::optional<fs::Account>& user,
                                           const std::map<std::string, std::string>& overrides) {
    auto vars = base;
    if (user) {
        vars["HOME"] = user->home;
        vars["USER"] = user->name;
        vars["LOGNAME"] = user->name;
        if (!user->shell.empty()) vars["SHELL"] = user->shell;
    }
    for (const auto& [key, value] : overrides) vars[key] = value;
    std::vector<std::string> env;
    env.reserve(vars.size());
    for (const auto& [key, value] : vars) env.push_back(key + "=" + value);
    return env;
}

std::expected<SpawnedChild, SpawnError> spawn(const SpawnSpec& spec, Reaper& reaper) {
    auto prepared = prepare(spec);
    if (!prepared) return std::unexpected(prepared.error());
    auto pipes = open_stdio(spec, *prepared);
    if (!pipes) return std::unexpected(pipes.error());
    fs::UniqueFd report_read, report_write;
    if (!make_pipe(report_read, report_write)) {
        return std::unexpected(
            SpawnError{126, std::string("cannot create a pipe: ") + std::strerror(errno)});
    }

    SpawnedChild child;
    {
        auto lock = reaper.lock();
        pid_t pid = ::fork();
        if (pid < 0) {
            return std::unexpected(SpawnError{126, std::string("fork: ") + std::strerror(errno)});
        }
        if (pid == 0) run_child(*prepared, spec, report_write.get());
        child.pid = pid;
        child.exit = reaper.register_child(pid);
    }
    if (spec.new_process_group) ::setpgid(child.pid, child.pid);
    report_write.reset();

    ChildFailure failure{};
    ssize_t n;
    do {
        n = ::read(report_read.get(), &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        int code = failure.stage == Stage::Exec && failure.error == ENOENT ? 127 : 126;
        return std::unexpected(SpawnError{code, spec.argv[0] + ": cannot " +
                                                    stage_name(failure.stage) + ": " +
                                                    std::strerror(failure.error)});
    }
    child.stdin_fd = std::move(pipes->parent_stdin);
    child.stdout_fd = std::move(pipes->parent_stdout);
    child.stderr_fd = std::move(pipes->parent_stderr);
    return child;
}

}  // namespace dev8::process
