#pragma once

#include <sys/types.h>

#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dev8/fs/accounts.h"
#include "dev8/fs/unique_fd.h"
#include "dev8/process/reaper.h"

namespace dev8::process {

enum class Stdio { Inherit, Pipe, Null };

// The PATH a program is looked up on when its environment has none.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct SpawnSpec {
    std::vector<std::string> argv{};    // argv[0] is looked up on the PATH of env
    std::vector<std::string> env{};     // KEY=VALUE, the child's whole environment
    std::string cwd{};                  // empty: inherit
    std::optional<fs::Account> user{};  // switch uid/gid/groups when it is not us
    bool new_process_group = true;
    bool foreground_tty = false;  // make the child the foreground group of our TTY (stdin)
    Stdio stdin_mode = Stdio::Null;
    Stdio stdout_mode = Stdio::Pipe;
    Stdio stderr_mode = Stdio::Pipe;
};

struct SpawnedChild {
    pid_t pid = -1;
    fs::UniqueFd stdin_fd;  // write end, when stdin_mode is Pipe
    fs::UniqueFd stdout_fd;
    fs::UniqueFd stderr_fd;
    std::shared_ptr<ChildExit> exit;
};

struct SpawnError {
    int exit_code = 127;  // 127 not found, 126 not executable (the shell's codes)
    std::string message;
};

// fork + exec with everything prepared before the fork; the child only makes
// async-signal-safe calls. The child starts with an empty signal mask and
// every disposition at its default. An exec failure is reported here, not as
// a mysterious exit later: the child's errno comes back through a CLOEXEC pipe.
std::expected<SpawnedChild, SpawnError> spawn(const SpawnSpec& spec, Reaper& reaper);

// Where argv[0] would be executed from, looked up on PATH; nullopt when absent.
std::optional<std::string> find_executable(const std::string& name, const std::string& path);

// The environment a child of `user` gets: `base`, with HOME, USER, LOGNAME and
// SHELL of that user, then `overrides`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& base,
                                           const std::optional<fs::Account>& user,
                                           const std::map<std::string, std::string>& overrides);

}  // namespace dev8::process
