#include "dev8/process/reaper.h"

#include <sys/wait.h>

#include <cerrno>
#include <vector>

namespace dev8::process {

ExitStatus ExitStatus::from_wait_status(int status) {
    ExitStatus exit;
    exit.at = std::chrono::system_clock::now();
    if (WIFEXITED(status))
        exit.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        exit.signal = WTERMSIG(status);
    return exit;
}

ExitStatus ChildExit::wait() {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return status_.has_value(); });
    return *status_;
}

std::optional<ExitStatus> ChildExit::wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    done_.wait_for(lock, timeout, [&] { return status_.has_value(); });
    return status_;
}

std::optional<ExitStatus> ChildExit::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void ChildExit::on_exit(Callback callback) {
    std::unique_lock lock(mutex_);
    if (!status_) {
        callback_ = std::move(callback);
        return;
    }
    auto status = *status_;
    lock.unlock();
    callback(status);
}

void ChildExit::complete(const ExitStatus& status) {
    Callback callback;
    {
        std::lock_guard lock(mutex_);
        status_ = status;
        callback = std::move(callback_);
    }
    done_.notify_all();
    if (callback) callback(status);
}

std::shared_ptr<ChildExit> Reaper::register_child(pid_t pid) {
    auto exit = std::make_shared<ChildExit>();
    children_[pid] = exit;
    return exit;
}

Reaper::Result Reaper::reap() {
    Result result;
    std::vector<std::pair<std::shared_ptr<ChildExit>, ExitStatus>> finished;
    {
        std::lock_guard lock(mutex_);
        for (;;) {
            int status = 0;
            pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid == 0) break;
            if (pid < 0) {
                if (errno == EINTR) continue;
                result.no_children = errno == ECHILD;
                break;
            }
            ++result.reaped;
            auto it = children_.find(pid);
            if (it == children_.end()) {
                orphans_.fetch_add(1);
                continue;
            }
            finished.emplace_back(std::move(it->second), ExitStatus::from_wait_status(status));
            children_.erase(it);
        }
    }
    for (auto& [exit, status] : finished) exit->complete(status);
    return result;
}

size_t Reaper::registered() const {
    std::lock_guard lock(mutex_);
    return children_.size();
}

}  // namespace dev8::process
