#pragma once

#include <signal.h>

#include <string>

#include "dev8/fs/unique_fd.h"

namespace dev8::process {

// Blocks every signal in the calling thread; call first thing in main, before
// any thread exists, so every thread inherits the mask and signals are only
// ever read from the signalfd.
void block_all_signals();

// A non-blocking signalfd for the signals the supervisor acts on.
fs::UniqueFd open_signalfd();

// Signals that are passed on to the main command.
bool is_forwarded(int sig);

std::string signal_name(int sig);

// PR_SET_CHILD_SUBREAPER, for when we are not PID 1. False if the kernel refused.
bool become_subreaper();

}  // namespace dev8::process
