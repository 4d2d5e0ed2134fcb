#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dev8::fs {

// A user as /etc/passwd and /etc/group describe it. Parsed directly: a static
// glibc binary must not go through NSS.
struct Account {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
    std::string shell;
    std::vector<gid_t> groups;  // supplementary groups, primary included
};

struct AccountFiles {
    std::string passwd = "/etc/passwd";
    std::string group = "/etc/group";
};

std::optional<Account> find_account(std::string_view name, const AccountFiles& files = {});
std::optional<Account> find_account(uid_t uid, const AccountFiles& files = {});

// The account for a uid that /etc/passwd does not list: numeric name, HOME from
// the environment or "/".
Account anonymous_account(uid_t uid, gid_t gid, std::string home);

// The account this process runs as: /etc/passwd's entry, or an anonymous one
// with home "/".
Account own_account();

}  // namespace dev8::fs
