#include "dev8/process/identity.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace dev8::process {
namespace {

// setfsuid/setfsgid return the previous id and cannot report failure
// directly; an invalid id (-1) changes nothing and reads the current one.
void set_fs_ids(uid_t uid, gid_t gid) {
    ::syscall(SYS_setfsgid, gid);
    ::syscall(SYS_setfsuid, uid);
}

uid_t current_fsuid() {
    return static_cast<uid_t>(::syscall(SYS_setfsuid, static_cast<uid_t>(-1)));
}

gid_t current_fsgid() {
    return static_cast<gid_t>(::syscall(SYS_setfsgid, static_cast<gid_t>(-1)));
}

}  // namespace

ScopedFsIdentity::ScopedFsIdentity(const fs::Account& account) {
    if (::geteuid() != 0 || account.uid == 0 || current_fsuid() == account.uid) return;
    saved_uid_ = current_fsuid();
    saved_gid_ = current_fsgid();
    int count = ::getgroups(0, nullptr);
    saved_groups_.resize(static_cast<size_t>(std::max(count, 0)));
    if (count > 0) ::getgroups(count, saved_groups_.data());
    ::prctl(PR_GET_PDEATHSIG, &saved_death_signal_);
    active_ = true;
    bool groups_set = ::syscall(SYS_setgroups, account.groups.size(), account.groups.data()) == 0;
    set_fs_ids(account.uid, account.gid);
    // setfsuid cannot report a failure: ask what the thread now is.
    if (!groups_set || current_fsuid() != account.uid || current_fsgid() != account.gid) {
        failed_ = true;
        restore();
    }
}

ScopedFsIdentity::~ScopedFsIdentity() {
    restore();
}

void ScopedFsIdentity::restore() {
    if (!active_) return;
    active_ = false;
    set_fs_ids(saved_uid_, saved_gid_);
    ::syscall(SYS_setgroups, saved_groups_.size(), saved_groups_.data());
    // The kernel marks a process non-dumpable when its fsuid changes; PID 1
    // stays what it was before, so `nsenter -t 1` and /proc/1/exe still work
    // for root in the container.
    ::prctl(PR_SET_DUMPABLE, 1);
    // It also drops the thread's parent-death signal: one asked for by
    // whoever started dev8-init (`unshare --kill-child`) stays asked for.
    if (saved_death_signal_ != 0) ::prctl(PR_SET_PDEATHSIG, saved_death_signal_);
}

std::string ScopedFsIdentity::failure_text(const fs::Account& account) {
    return "cannot act as " + account.name + " (uid " + std::to_string(account.uid) +
           "): the kernel refused the change of file identity; nothing written";
}

}  // namespace dev8::process
