#include "dev8/steps/ssh_keys.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/links.h"
#include "dev8/fs/marked_block.h"
#include "dev8/fs/read_file.h"
#include "dev8/fs/text.h"

namespace dev8::steps {
namespace {

constexpr std::string_view kNothingSet = "SSH_PUBLIC_KEY and SSH_PRIVATE_KEY not set";
constexpr std::string_view kBlockNote =
    "# Keys from SSH_PUBLIC_KEY, rewritten at every start: change the variable, not these lines.";

constexpr fs::Markers kManagedMarkers{kManagedBlockBegin, kManagedBlockEnd};

bool may_hold_key(std::string_view line) {
    auto start = line.find_first_not_of(" \t\r\n");
    return start != std::string_view::npos && line[start] != '#';
}

std::string count_of(size_t n, std::string_view noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

// "2, 4-6": the numbers of the rejected lines, consecutive ones as a range.
std::string line_ranges(const std::vector<RejectedLine>& rejected) {
    std::vector<std::string> ranges;
    for (size_t i = 0; i < rejected.size();) {
        size_t j = i;
        while (j + 1 < rejected.size() && rejected[j + 1].number == rejected[j].number + 1) ++j;
        ranges.push_back(i == j ? fmt::format("{}", rejected[i].number)
                                : fmt::format("{}-{}", rejected[i].number, rejected[j].number));
        i = j + 1;
    }
    return fmt::format("{}", fmt::join(ranges, ", "));
}

std::string describe_rejected(const std::vector<RejectedLine>& rejected) {
    if (rejected.size() == 1) {
        return fmt::format("SSH_PUBLIC_KEY line {} skipped: {}", rejected[0].number,
                           rejected[0].reason);
    }
    return fmt::format("SSH_PUBLIC_KEY lines {} skipped: not valid public keys",
                       line_ranges(rejected));
}

std::string managed_block(const std::vector<ssh::PublicKey>& keys,
                          const std::vector<ssh::PublicKey>& user_keys, AuthorizedKeys& result) {
    std::vector<const ssh::PublicKey*> chosen;
    for (const auto& key : keys) {
        auto same = [&](const ssh::PublicKey& other) { return other.same_key(key); };
        if (std::ranges::any_of(user_keys, same)) {
            ++result.already_present;
        } else if (std::ranges::none_of(chosen, [&](const auto* c) { return same(*c); })) {
            chosen.push_back(&key);
        }
    }
    result.managed = chosen.size();
    if (chosen.empty()) return {};
    std::string block = fmt::format("{}\n{}\n", kManagedBlockBegin, kBlockNote);
    for (const auto* key : chosen) block += key->line() + "\n";
    return block + std::string(kManagedBlockEnd) + "\n";
}

// What one run did, as the parts of the step's one-line message.
class Outcome {
  public:
    void note(std::string part) { parts_.push_back(std::move(part)); }
    void fail(std::string part) {
        failed_ = true;
        note(std::move(part));
    }
    StepResult result() const {
        auto message = fmt::format("{}", fmt::join(parts_, "; "));
        return failed_ ? StepResult::failed(message) : StepResult::ok(message);
    }

  private:
    std::vector<std::string> parts_;
    bool failed_ = false;
};

void update_authorized_keys(const std::string& ssh_dir, bool public_key_set,
                            const PublicKeyList& list, Outcome& outcome) {
    // A dotfiles manager's link stays: its target is edited (fs::edit_target).
    auto path = fs::edit_target(ssh_dir + "/authorized_keys");
    if (!path) {
        outcome.fail(path.error());
        return;
    }
    auto current = fs::read_file(*path, fs::kMaxTextFile);
    if (!current) {
        outcome.fail(current.error());
        return;
    }
    auto updated = render_authorized_keys(current->value_or(""), list.keys);
    bool block_removed = updated.managed == 0 && *current && updated.text != **current;
    if (updated.managed > 0 || block_removed) {
        if (auto written = fs::write_file_atomic(*path, updated.text, 0600); !written) {
            outcome.fail(written.error());
            return;
        }
    }
    if (updated.managed > 0) {
        outcome.note(fmt::format("authorized_keys: {} managed", count_of(updated.managed, "key")));
    } else if (block_removed) {
        outcome.note(fmt::format(
            "authorized_keys: managed block removed ({})",
            public_key_set ? "no valid key in SSH_PUBLIC_KEY" : "SSH_PUBLIC_KEY not set"));
    } else if (public_key_set && list.keys.empty() && list.rejected.empty()) {
        outcome.note("SSH_PUBLIC_KEY holds no key");
    }
    if (updated.already_present > 0) {
        outcome.note(fmt::format("{} already in authorized_keys outside the managed block",
                                 count_of(updated.already_present, "key")));
    }
    if (updated.unterminated_block) {
        outcome.note(
            "authorized_keys had a managed block without its end marker: it was "
            "replaced up to the end of the file");
    }
    if (!list.rejected.empty()) {
        // Not one usable key: what the user asked for did not happen.
        if (list.keys.empty()) {
            outcome.fail(describe_rejected(list.rejected));
        } else {
            outcome.note(describe_rejected(list.rejected));
        }
    }
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// Moves the key at `path` (and its .pub) aside under a name no file has yet;
// returns that name.
std::expected<std::string, std::string> back_up(const std::string& path) {
    auto base =
        fmt::format("{}.dev8-backup-{:%Y%m%dT%H%M%SZ}", path, fmt::gmtime(std::time(nullptr)));
    auto target = base;
    for (int n = 1; exists(target) || exists(target + ".pub"); ++n) {
        target = fmt::format("{}-{}", base, n);
    }
    // 0600 before the move, so the backup is never readable by others.
    if (::chmod(path.c_str(), 0600) != 0 || std::rename(path.c_str(), target.c_str()) != 0) {
        return std::unexpected(fmt::format("{}: cannot back up: {}", path, std::strerror(errno)));
    }
    // Best effort: a .pub can be derived again from the backed-up key.
    if (exists(path + ".pub")) std::rename((path + ".pub").c_str(), (target + ".pub").c_str());
    return target.substr(target.rfind('/') + 1);
}

// The private key stays as it is when the file already holds this key, in
// whatever format: rewriting it would change its mtime for nothing.
std::expected<std::string, std::string> place_private_key(const std::string& path,
                                                          const ssh::PrivateKey& key) {
    auto existing = fs::read_file(path, fs::kMaxKeyFile);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) {
        auto old = ssh::parse_private_key(**existing);
        if (old && old->public_key.same_key(key.public_key)) {
            struct stat st {};
            if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 07777) != 0600) {
                ::chmod(path.c_str(), 0600);
            }
            return key.file_name + " already in place";
        }
    }
    std::string note = key.file_name + " installed";
    if (*existing) {
        auto backup = back_up(path);
        if (!backup) return std::unexpected(backup.error());
        note += ", the different key there before moved to " + *backup;
    }
    if (auto written = fs::write_file_atomic(path, key.text, 0600); !written) {
        return std::unexpected(written.error());
    }
    return note;
}

// The .pub is derived data: kept when it holds the same key (its comment may
// be the user's), rewritten otherwise.
std::expected<void, std::string> place_public_half(const std::string& path,
                                                   const ssh::PrivateKey& key) {
    auto existing = fs::read_file(path, fs::kMaxKeyFile);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) {
        auto old = ssh::parse_authorized_key(**existing);
        if (old && old->same_key(key.public_key)) return {};
    }
    if (auto written = fs::write_file_atomic(path, key.public_key.line() + "\n", 0644); !written) {
        return std::unexpected(written.error());
    }
    return {};
}

void install_private_key(const std::string& ssh_dir,
                         const std::expected<ssh::PrivateKey, std::string>& key, Outcome& outcome) {
    if (!key) {
        outcome.fail("SSH_PRIVATE_KEY not used: " + key.error());
        return;
    }
    auto path = ssh_dir + "/" + key->file_name;
    auto placed = place_private_key(path, *key);
    if (!placed) {
        outcome.fail(placed.error());
        return;
    }
    outcome.note(*placed);
    if (auto pub = place_public_half(path + ".pub", *key); !pub) outcome.fail(pub.error());
}

// With neither variable set the step has nothing to install, but keys an
// earlier start put in authorized_keys must still be revoked.
StepResult revoke_previous_keys(const std::string& ssh_dir) {
    auto path = fs::edit_target(ssh_dir + "/authorized_keys");
    if (!path) return StepResult::failed(path.error());
    auto current = fs::read_file(*path, fs::kMaxTextFile);
    if (!current || !*current) return StepResult::skipped(std::string(kNothingSet));
    auto updated = render_authorized_keys(**current, {});
    if (updated.text == **current) return StepResult::skipped(std::string(kNothingSet));
    if (auto written = fs::write_file_atomic(*path, updated.text, 0600); !written) {
        return StepResult::failed(written.error());
    }
    return StepResult::ok(
        fmt::format("{}: managed block removed from authorized_keys", kNothingSet));
}

// Neither variable set: nothing to install, but a managed block an earlier
// start left in authorized_keys is still removed.
struct SshKeysWork {
    std::string ssh_dir;
    bool public_key_set = false;
    PublicKeyList public_keys;
    std::optional<std::expected<ssh::PrivateKey, std::string>> private_key;
    bool nothing_set() const { return !public_key_set && !private_key; }
};

class SshKeysStep final : public DecidedStep<SshKeysWork> {
  public:
    std::string_view name() const override { return "ssh-keys"; }

  protected:
    std::expected<SshKeysWork, std::string> decide(const config::Config& config) const override {
        const auto& secrets = config.secrets;
        SshKeysWork work;
        work.ssh_dir = config.developer.home + "/.ssh";
        if (secrets.ssh_public_key) {
            work.public_key_set = true;
            work.public_keys = parse_public_key_list(secrets.ssh_public_key->value);
        }
        if (secrets.ssh_private_key)
            work.private_key = ssh::parse_private_key(secrets.ssh_private_key->value);
        return work;
    }

    std::string describe(const SshKeysWork& work) const override {
        if (work.nothing_set()) return fmt::format("skipped: {}", kNothingSet);
        std::vector<std::string> parts;
        if (work.public_key_set) {
            parts.push_back(fmt::format("{} into the managed block of {}/authorized_keys",
                                        count_of(work.public_keys.keys.size(), "key"),
                                        work.ssh_dir));
            if (!work.public_keys.rejected.empty())
                parts.push_back(describe_rejected(work.public_keys.rejected));
        }
        if (const auto& key = work.private_key) {
            parts.push_back(*key ? fmt::format("private key to {}/{} (and .pub)", work.ssh_dir,
                                               (*key)->file_name)
                                 : "SSH_PRIVATE_KEY not used: " + key->error());
        }
        return fmt::format("{}", fmt::join(parts, "; "));
    }

    StepResult carry_out(StepContext&, const SshKeysWork& work) override {
        if (work.nothing_set()) return revoke_previous_keys(work.ssh_dir);
        if (auto made = fs::ensure_directory(work.ssh_dir, 0700); !made) {
            return StepResult::failed(made.error());
        }
        Outcome outcome;
        update_authorized_keys(work.ssh_dir, work.public_key_set, work.public_keys, outcome);
        if (work.private_key) install_private_key(work.ssh_dir, *work.private_key, outcome);
        return outcome.result();
    }
};

}  // namespace

std::unique_ptr<Step> make_ssh_keys_step() {
    return std::make_unique<SshKeysStep>();
}

PublicKeyList parse_public_key_list(std::string_view text) {
    PublicKeyList list;
    size_t number = 0;
    for (auto line : fs::lines(text)) {
        ++number;
        if (!may_hold_key(line)) continue;
        auto key = ssh::parse_authorized_key(fs::trim_end(line, "\r\n"));
        if (key) {
            list.keys.push_back(std::move(*key));
        } else {
            list.rejected.push_back({number, key.error()});
        }
    }
    return list;
}

AuthorizedKeys render_authorized_keys(std::string_view current,
                                      const std::vector<ssh::PublicKey>& keys) {
    AuthorizedKeys result;
    auto text = fs::MarkedText::parse(current, kManagedMarkers);
    std::vector<ssh::PublicKey> user_keys;
    for (auto line : fs::lines(text.outside())) {
        if (!may_hold_key(line)) continue;
        if (auto key = ssh::parse_authorized_key(line)) user_keys.push_back(std::move(*key));
    }
    result.unterminated_block = text.unterminated();
    result.text = text.with(managed_block(keys, user_keys, result), fs::Placement::End);
    return result;
}

}  // namespace dev8::steps
