#include "dev8/activity/terminals.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <string>

#include "dev8/fs/unique_fd.h"

namespace dev8::activity {

size_t tell_terminals(uid_t uid, std::string_view message, const std::string& pts_dir) {
    fs::UniqueFd dir_fd(::open(pts_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) return 0;
    DIR* dir = ::fdopendir(::dup(dir_fd.get()));
    if (!dir) return 0;
    // A terminal shows "\n" as a line feed without a return: write "\r\n".
    std::string text;
    for (char c : message) {
        if (c == '\n') text += '\r';
        text += c;
    }
    size_t told = 0;
    while (auto* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        struct stat before {};
        if (::fstatat(dir_fd.get(), entry->d_name, &before, AT_SYMLINK_NOFOLLOW) < 0 ||
            before.st_uid != uid)
            continue;  // another user's terminal is not opened at all
        fs::UniqueFd tty(::openat(dir_fd.get(), entry->d_name,
                                  O_WRONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
        struct stat st {};
        if (!tty || ::fstat(tty.get(), &st) < 0 || !S_ISCHR(st.st_mode) || st.st_uid != uid)
            continue;
        if (::write(tty.get(), text.data(), text.size()) > 0) ++told;
    }
    ::closedir(dir);
    return told;
}

}  // namespace dev8::activity
