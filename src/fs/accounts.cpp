#include "dev8/fs/accounts.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "dev8/fs/text.h"

namespace dev8::fs {
namespace {

template <typename Id>
std::optional<Id> parse_id(std::string_view text) {
    unsigned long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return static_cast<Id>(value);
}

template <typename Match>
std::optional<Account> scan_passwd(const AccountFiles& files, Match matches) {
    std::ifstream in(files.passwd);
    std::string line;
    while (std::getline(in, line)) {
        auto f = split(line, ':');
        if (f.size() < 7 || f[0].empty() || f[0][0] == '#') continue;
        auto uid = parse_id<uid_t>(f[2]);
        auto gid = parse_id<gid_t>(f[3]);
        if (!uid || !gid) continue;
        Account account{std::string(f[0]), *uid, *gid, std::string(f[5]), std::string(f[6]), {}};
        if (matches(account)) return account;
    }
    return std::nullopt;
}

void add_groups(Account& account, const AccountFiles& files) {
    account.groups = {account.gid};
    std::ifstream in(files.group);
    std::string line;
    while (std::getline(in, line)) {
        auto f = split(line, ':');
        if (f.size() < 4) continue;
        auto gid = parse_id<gid_t>(f[2]);
        if (!gid || *gid == account.gid) continue;
        auto members = split(f[3], ',');
        if (std::ranges::find(members, account.name) != members.end())
            account.groups.push_back(*gid);
    }
}

std::optional<Account> with_groups(std::optional<Account> account, const AccountFiles& files) {
    if (account) add_groups(*account, files);
    return account;
}

}  // namespace

std::optional<Account> find_account(std::string_view name, const AccountFiles& files) {
    return with_groups(scan_passwd(files, [&](const Account& a) { return a.name == name; }), files);
}

std::optional<Account> find_account(uid_t uid, const AccountFiles& files) {
    return with_groups(scan_passwd(files, [&](const Account& a) { return a.uid == uid; }), files);
}

Account anonymous_account(uid_t uid, gid_t gid, std::string home) {
    return Account{std::to_string(uid), uid,  gid, home.empty() ? "/" : std::move(home),
                   "/bin/sh",           {gid}};
}

Account own_account() {
    if (auto account = find_account(::getuid())) return *account;
    return anonymous_account(::getuid(), ::getgid(), "/");
}

}  // namespace dev8::fs
