#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace dev8::fs {

// Writes all of `data`, through EINTR and short writes; false on any other error.
bool write_all(int fd, std::string_view data);

enum class ReadState {
    Data,    // something was read; there may be more
    Empty,   // nothing to read now (EAGAIN)
    Closed,  // end of file, or an error
};

// One read() of a non-blocking descriptor, appended to `into` while it holds
// less than `limit` bytes; beyond that what is read is dropped, so a chatty
// writer is never blocked by us.
ReadState read_chunk(int fd, std::string& into, size_t limit = std::numeric_limits<size_t>::max());

}  // namespace dev8::fs
