#include "dev8/process/run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <cerrno>

#include "dev8/fs/fd_io.h"

namespace dev8::process {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr size_t kMaxCaptured = 1 << 20;
constexpr auto kKillGrace = 1000ms;
constexpr auto kPollSlice = 50ms;

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Reads what is there, closing the pipe at its end.
void drain(fs::UniqueFd& fd, std::string& into) {
    fs::ReadState state;
    while ((state = fs::read_chunk(fd.get(), into, kMaxCaptured)) == fs::ReadState::Data) {
    }
    if (state == fs::ReadState::Closed) fd.reset();
}

// Hands on each complete line of `text` from `from` on; `from` moves past it.
void emit_lines(const std::string& text, size_t& from, const LineSink& lines, bool last) {
    for (;;) {
        auto end = text.find('\n', from);
        if (end == std::string::npos) break;
        lines(std::string_view(text).substr(from, end - from));
        from = end + 1;
    }
    if (last && from < text.size()) {
        lines(std::string_view(text).substr(from));
        from = text.size();
    }
}

class Session {
  public:
    Session(SpawnedChild& child, const std::string& input, const LineSink& lines)
        : child_(child), input_(input), lines_(lines) {
        for (auto* fd : {&child_.stdin_fd, &child_.stdout_fd, &child_.stderr_fd}) {
            if (*fd) set_nonblocking(fd->get());
        }
        if (input_.empty()) child_.stdin_fd.reset();
    }

    void pump(RunResult& result, std::chrono::milliseconds wait) {
        pollfd fds[3];
        nfds_t n = 0;
        auto add = [&](fs::UniqueFd& fd, short events) {
            if (fd) fds[n++] = {fd.get(), events, 0};
        };
        add(child_.stdin_fd, POLLOUT);
        add(child_.stdout_fd, POLLIN);
        add(child_.stderr_fd, POLLIN);
        if (n == 0) return;
        ::poll(fds, n, static_cast<int>(wait.count()));
        write_input();
        if (child_.stdout_fd) drain(child_.stdout_fd, result.out);
        if (child_.stderr_fd) drain(child_.stderr_fd, result.err);
        relay(result, !pipes_open());
    }

    void relay(const RunResult& result, bool last) {
        if (!lines_) return;
        emit_lines(result.out, out_from_, lines_, last || !child_.stdout_fd);
        emit_lines(result.err, err_from_, lines_, last || !child_.stderr_fd);
    }

    bool pipes_open() const { return child_.stdout_fd || child_.stderr_fd; }

  private:
    void write_input() {
        if (!child_.stdin_fd) return;
        while (written_ < input_.size()) {
            ssize_t n =
                ::write(child_.stdin_fd.get(), input_.data() + written_, input_.size() - written_);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return;
            if (n < 0) break;
            written_ += static_cast<size_t>(n);
        }
        child_.stdin_fd.reset();  // EOF: the program sees the whole input
    }

    SpawnedChild& child_;
    const std::string& input_;
    const LineSink& lines_;
    size_t written_ = 0;
    size_t out_from_ = 0;
    size_t err_from_ = 0;
};

}  // namespace

std::expected<RunResult, SpawnError> run_to_completion(SpawnSpec spec, Reaper& reaper,
                                                       const std::string& input,
                                                       std::chrono::milliseconds timeout,
                                                       std::stop_token stop,
                                                       const LineSink& lines) {
    spec.stdin_mode = Stdio::Pipe;
    spec.stdout_mode = Stdio::Pipe;
    spec.stderr_mode = Stdio::Pipe;
    spec.new_process_group = true;
    // Nothing new once the container stops: no one might be left to reap it.
    if (stop.stop_requested())
        return std::unexpected(SpawnError{.exit_code = 126, .message = "not started: stopping"});
    auto child = spawn(spec, reaper);
    if (!child) return std::unexpected(child.error());

    RunResult result;
    Session session(*child, input, lines);
    auto deadline = Clock::now() + timeout;
    std::optional<Clock::time_point> killed_at;
    for (;;) {
        if (auto exit = child->exit->status(); exit && !session.pipes_open()) {
            result.exit = *exit;
            return result;
        }
        bool expired = Clock::now() >= deadline;
        if (!killed_at && (expired || stop.stop_requested())) {
            result.timed_out = expired;
            result.stopped = !expired;
            ::kill(-child->pid, SIGTERM);
            killed_at = Clock::now();
        } else if (killed_at && Clock::now() - *killed_at >= kKillGrace) {
            ::kill(-child->pid, SIGKILL);
        }
        if (session.pipes_open()) {
            session.pump(result, kPollSlice);
        } else if (auto exit = child->exit->wait_for(kPollSlice)) {
            result.exit = *exit;
            return result;
        }
    }
}

std::string first_line(const RunResult& result) {
    const auto& text = result.err.empty() ? result.out : result.err;
    auto line = text.substr(0, text.find('\n'));
    if (line.empty()) {
        return result.exit.code
                   ? "exit code " + std::to_string(*result.exit.code)
                   : "killed by signal " + std::to_string(result.exit.signal.value_or(0));
    }
    return line;
}

}  // namespace dev8::process
