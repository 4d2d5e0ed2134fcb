#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dev8::process {

// Every live process below `ancestor`, read from /proc (`proc_root` for tests).
std::vector<pid_t> descendants_of(pid_t ancestor, const std::string& proc_root = "/proc");

}  // namespace dev8::process
