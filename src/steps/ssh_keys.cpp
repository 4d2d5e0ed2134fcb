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

namespace dev8::steps {
namespace {

constexpr std::string_view kNothingSet = "SSH_PUBLIC_KEY and SSH_PRIVATE_KEY not set";
constexpr std::string_view kBlockNote =
    "# Keys from SSH_PUBLIC_KEY, rewritten at every start: change the variable, not these lines.";

// Each line with its terminator, so that joining them gives back the text.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto end = text.find('\n');
        auto length = end == std::string_view::npos ? text.size() : end + 1;
        lines.push_back(text.substr(0, length));
        text.remove_prefix(length);
    }
    return lines;
}

std::string_view without_terminator(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    return line;
}

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

void update_authorized_keys(const std::string& ssh_dir, const std::optional<config::Secret>& secret,
                            Outcome& outcome) {
    auto list = secret ? parse_public_key_list(secret->value) : PublicKeyList{};
    auto path = ssh_dir + "/authorized_keys";
    auto current = fs::read_file(path);
    if (!current) {
        outcome.fail(current.error());
        return;
    }
    auto updated = render_authorized_keys(current->value_or(""), list.keys);
    bool block_removed = updated.managed == 0 && *current && updated.text != **current;
    if (updated.managed > 0 || block_removed) {
        if (auto written = fs::write_file_atomic(path, updated.text, 0600); !written) {
            outcome.fail(written.error());
            return;
        }
    }
    if (updated.managed > 0) {
        outcome.note(fmt::format("authorized_keys: {} managed", count_of(updated.managed, "key")));
    } else if (block_removed) {
        outcome.note(
            fmt::format("authorized_keys: managed block removed ({})",
                        secret ? "no valid key in SSH_PUBLIC_KEY" : "SSH_PUBLIC_KEY not set"));
    } else if (secret && list.keys.empty() && list.rejected.empty()) {
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
    auto existing = fs::read_file(path);
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
    auto existing = fs::read_file(path);
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

void install_private_key(const std::string& ssh_dir, const config::Secret& secret,
                         Outcome& outcome) {
    auto key = ssh::parse_private_key(secret.value);
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
    auto path = ssh_dir + "/authorized_keys";
    auto current = fs::read_file(path);
    if (!current || !*current) return StepResult::skipped(std::string(kNothingSet));
    auto updated = render_authorized_keys(**current, {});
    if (updated.text == **current) return StepResult::skipped(std::string(kNothingSet));
    if (auto written = fs::write_file_atomic(path, updated.text, 0600); !written) {
        return StepResult::failed(written.error());
    }
    return StepResult::ok(
        fmt::format("{}: managed block removed from authorized_keys", kNothingSet));
}

class SshKeysStep final : public Step {
  public:
    std::string_view name() const override { return "ssh-keys"; }

    std::string plan(const config::Config& config) const override {
        const auto& secrets = config.secrets;
        if (!secrets.ssh_public_key && !secrets.ssh_private_key) {
            return fmt::format("skipped: {}", kNothingSet);
        }
        auto ssh_dir = config.developer.home + "/.ssh";
        std::vector<std::string> parts;
        if (secrets.ssh_public_key) {
            auto list = parse_public_key_list(secrets.ssh_public_key->value);
            parts.push_back(fmt::format("{} into the managed block of {}/authorized_keys",
                                        count_of(list.keys.size(), "key"), ssh_dir));
            if (!list.rejected.empty()) parts.push_back(describe_rejected(list.rejected));
        }
        if (secrets.ssh_private_key) {
            auto key = ssh::parse_private_key(secrets.ssh_private_key->value);
            parts.push_back(
                key ? fmt::format("private key to {}/{} (and .pub)", ssh_dir, key->file_name)
                    : "SSH_PRIVATE_KEY not used: " + key.error());
        }
        return fmt::format("{}", fmt::join(parts, "; "));
    }

    StepResult run(StepContext& context) override {
        const auto& secrets = context.config.secrets;
        auto ssh_dir = context.config.developer.home + "/.ssh";
        if (!secrets.ssh_public_key && !secrets.ssh_private_key) {
            return revoke_previous_keys(ssh_dir);
        }
        if (auto made = fs::ensure_directory(ssh_dir, 0700); !made) {
            return StepResult::failed(made.error());
        }
        Outcome outcome;
        update_authorized_keys(ssh_dir, secrets.ssh_public_key, outcome);
        if (secrets.ssh_private_key)
            install_private_key(ssh_dir, *secrets.ssh_private_key, outcome);
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
    for (auto line : split_lines(text)) {
        ++number;
        if (!may_hold_key(line)) continue;
        auto key = ssh::parse_authorized_key(without_terminator(line));
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
    std::string outside;
    std::optional<size_t> block_at;
    std::vector<ssh::PublicKey> user_keys;
    bool inside = false;
    for (auto line : split_lines(current)) {
        if (inside) {
            inside = without_terminator(line) != kManagedBlockEnd;
        } else if (without_terminator(line) == kManagedBlockBegin) {
            if (!block_at) block_at = outside.size();
            inside = true;
        } else {
            outside += line;
            if (!may_hold_key(line)) continue;
            if (auto key = ssh::parse_authorized_key(line)) user_keys.push_back(std::move(*key));
        }
    }
    result.unterminated_block = inside;
    auto block = managed_block(keys, user_keys, result);
    if (block_at) {
        outside.insert(*block_at, block);
    } else if (!block.empty()) {
        if (!outside.empty() && outside.back() != '\n') outside += '\n';
        outside += block;
    }
    result.text = std::move(outside);
    return result;
}

}  // namespace dev8::steps
