#include "dev8/process/signals.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>

#include <cstring>

namespace dev8::process {
namespace {

constexpr int kHandled[] = {SIGCHLD, SIGTERM, SIGINT,   SIGQUIT, SIGHUP,
                            SIGUSR1, SIGUSR2, SIGWINCH, SIGTTIN, SIGTTOU};

}  // namespace

void block_all_signals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGTTIN, &ignore, nullptr);
    ::sigaction(SIGTTOU, &ignore, nullptr);
    ::sigaction(SIGPIPE, &ignore, nullptr);
}

fs::UniqueFd open_signalfd() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kHandled) sigaddset(&set, sig);
    return fs::UniqueFd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}

bool is_forwarded(int sig) {
    return sig == SIGHUP || sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGWINCH;
}

std::string signal_name(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

bool become_subreaper() {
    return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

}  // namespace dev8::process
