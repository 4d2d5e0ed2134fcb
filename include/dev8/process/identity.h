#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <vector>

#include "dev8/fs/accounts.h"

namespace dev8::process {

// Makes the calling thread, and only it, act on files as `account`: its
// filesystem uid and gid and its supplementary groups change, through raw
// syscalls that are per thread on Linux (glibc's wrappers would change every
// thread). Files the thread creates belong to the account, and the kernel
// checks every path as the account would, so a symlink planted in a home
// directory cannot steer a root write. What the thread was before is restored
// on destruction, so scopes nest. Does nothing when we are not root or the
// thread already acts as the account.
class ScopedFsIdentity {
  public:
    explicit ScopedFsIdentity(const fs::Account& account);
    ~ScopedFsIdentity();
    ScopedFsIdentity(const ScopedFsIdentity&) = delete;
    ScopedFsIdentity& operator=(const ScopedFsIdentity&) = delete;

    bool active() const { return active_; }
    // The kernel did not take the change: nothing may be written, since it
    // would be written as root.
    bool failed() const { return failed_; }
    // "cannot act as dev8 (uid 1000): ..." for a failed() identity.
    static std::string failure_text(const fs::Account& account);

  private:
    void restore();

    bool active_ = false;
    bool failed_ = false;
    uid_t saved_uid_ = 0;
    gid_t saved_gid_ = 0;
    std::vector<gid_t> saved_groups_;
    int saved_death_signal_ = 0;
};

// Runs `work` (returning std::expected<T, std::string>) acting on files as
// `account`; when the kernel refuses the change, `work` does not run.
template <typename Work>
auto as_user(const fs::Account& account, Work&& work) -> decltype(work()) {
    ScopedFsIdentity identity(account);
    if (identity.failed()) return std::unexpected(ScopedFsIdentity::failure_text(account));
    return work();
}

}  // namespace dev8::process
