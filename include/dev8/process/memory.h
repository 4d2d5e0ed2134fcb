#pragma once

#include <cstddef>

namespace dev8::process {

// Drops our executable's code pages from the resident set. Start-up code (CLI,
// config, service set-up) is a large part of a static binary and is not run
// again; the kernel faults back from the page cache any page that is. Only
// the never-written r-x mapping is touched, so no data can be lost. Returns
// the bytes released.
size_t release_code_pages();

}  // namespace dev8::process
