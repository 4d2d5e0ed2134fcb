#include "dev8/process/memory.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

namespace dev8::process {

size_t release_code_pages() {
    struct stat exe {};
    if (::stat("/proc/self/exe", &exe) != 0) return 0;
    FILE* maps = std::fopen("/proc/self/maps", "re");
    if (!maps) return 0;
    size_t released = 0;
    char line[512];
    while (std::fgets(line, sizeof line, maps)) {
        unsigned long start = 0, end = 0, inode = 0;
        char perms[5] = {};
        unsigned dev_major = 0, dev_minor = 0;
        if (std::sscanf(line, "%lx-%lx %4s %*x %x:%x %lu", &start, &end, perms, &dev_major,
                        &dev_minor, &inode) != 6) {
            continue;
        }
        if (std::strcmp(perms, "r-xp") != 0 || inode != exe.st_ino) continue;
        if (::madvise(reinterpret_cast<void*>(start), end - start, MADV_DONTNEED) == 0) {
            released += end - start;
        }
    }
    std::fclose(maps);
    return released;
}

}  // namespace dev8::process
