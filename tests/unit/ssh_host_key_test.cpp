#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/read_file.h"
#include "dev8/ssh/host_key.h"
#include "temp_dir.h"

using namespace dev8;

namespace {

const fs::FileOwner kMe{::getuid(), ::getgid()};

std::string read(const std::string& path) {
    auto content = fs::read_file(path, dev8::fs::kMaxTextFile);
    REQUIRE(content);
    REQUIRE(*content);
    return **content;
}

struct stat stat_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st;
}

mode_t mode_of(const std::string& path) {
    return stat_of(path).st_mode & 07777;
}

void set_old_mtime(const std::string& path) {
    struct timespec old_time[2] = {{1, 0}, {1, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old_time, AT_SYMLINK_NOFOLLOW) == 0);
}

std::string output_of(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    char buf[512];
    while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    REQUIRE(::pclose(pipe) == 0);
    return out;
}

// The second field of `ssh-keygen -l`: "256 SHA256:… comment (ED25519)".
std::string keygen_fingerprint(const std::string& public_path) {
    auto line = output_of("ssh-keygen -l -E sha256 -f '" + public_path + "'");
    auto start = line.find(' ') + 1;
    return line.substr(start, line.find(' ', start) - start);
}

void keygen(const std::string& path, const std::string& type) {
    auto command = "ssh-keygen -q -t " + type + " -N '' -C 'by@keygen' -f '" + path +
                   "' </dev/null >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
}

std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string joined(const std::vector<std::string>& notes) {
    std::string out;
    for (const auto& note : notes) out += note + "\n";
    return out;
}

}  // namespace

TEST_CASE("a new host key is generated with libssh: 0600 key, 0644 .pub, 0700 directory", "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    auto key = ssh::ensure_host_key(dir, kMe);
    REQUIRE(key);
    CHECK(key->generated);
    CHECK(key->notes.empty());
    CHECK(key->private_path == dir + "/ssh_host_ed25519_key");
    CHECK(key->public_path == dir + "/ssh_host_ed25519_key.pub");
    CHECK(mode_of(dir) == 0700);
    CHECK(mode_of(key->private_path) == 0600);
    CHECK(mode_of(key->public_path) == 0644);
    CHECK(read(key->private_path).starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));

    auto public_line = read(key->public_path);
    CHECK(public_line.starts_with("ssh-ed25519 AAAA"));
    CHECK(std::count(public_line.begin(), public_line.end(), ' ') == 1);
    // OpenSSH derives the same public key from the private file libssh wrote.
    CHECK(output_of("ssh-keygen -y -f '" + key->private_path + "'") == public_line);
}

TEST_CASE("the fingerprint is the one ssh-keygen -l prints", "[ssh]") {
    TempDir temp;
    auto key = ssh::ensure_host_key(temp.str() + "/ssh", kMe);
    REQUIRE(key);
    CHECK(key->fingerprint.starts_with("SHA256:"));
    CHECK(key->fingerprint.size() == 7 + 43);  // 32 bytes in base64 without the final '='
    CHECK(key->fingerprint == keygen_fingerprint(key->public_path));

    for (const auto& type : {"ed25519", "ecdsa", "rsa"}) {
        auto path = temp.str() + "/" + type;
        keygen(path, type);
        CHECK(ssh::fingerprint_of(read(path + ".pub")) == keygen_fingerprint(path + ".pub"));
    }
}

TEST_CASE("a second call reuses the key and changes no file, mtime included", "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    auto first = ssh::ensure_host_key(dir, kMe);
    REQUIRE(first);
    std::map<std::string, std::string> bytes;
    for (const auto& name : names_in(dir)) {
        bytes[name] = read(dir + "/" + name);
        set_old_mtime(dir + "/" + name);
    }

    auto second = ssh::ensure_host_key(dir, kMe);
    REQUIRE(second);
    CHECK_FALSE(second->generated);
    CHECK(second->notes.empty());
    CHECK(second->fingerprint == first->fingerprint);
    CHECK(names_in(dir) ==
          std::set<std::string>{"ssh_host_ed25519_key", "ssh_host_ed25519_key.pub"});
    for (const auto& [name, content] : bytes) {
        auto path = dir + "/" + name;
        CHECK(read(path) == content);
        CHECK(stat_of(path).st_mtime == 1);
    }
    CHECK(mode_of(second->private_path) == 0600);
    CHECK(mode_of(second->public_path) == 0644);
}

TEST_CASE("a kept key with loose modes is tightened, its bytes and fingerprint unchanged",
          "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    auto first = ssh::ensure_host_key(dir, kMe);
    REQUIRE(first);
    auto private_text = read(first->private_path);
    REQUIRE(::chmod(first->private_path.c_str(), 0644) == 0);
    REQUIRE(::chmod(first->public_path.c_str(), 0600) == 0);
    REQUIRE(::chmod(dir.c_str(), 0777) == 0);

    auto second = ssh::ensure_host_key(dir, kMe);
    REQUIRE(second);
    CHECK_FALSE(second->generated);
    CHECK(second->fingerprint == first->fingerprint);
    CHECK(read(second->private_path) == private_text);
    CHECK(mode_of(second->private_path) == 0600);
    CHECK(mode_of(second->public_path) == 0644);
    CHECK(mode_of(dir) == 0700);
    CHECK(contains(joined(second->notes), first->private_path + ": mode 0600 and owner restored"));
}

TEST_CASE("a kept key saved with CRLF line breaks is rewritten with LF for sshd", "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    auto first = ssh::ensure_host_key(dir, kMe);
    REQUIRE(first);
    auto text = read(first->private_path);
    std::string crlf;
    for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    REQUIRE(fs::write_file_atomic(first->private_path, crlf, 0600));

    auto second = ssh::ensure_host_key(dir, kMe);
    REQUIRE(second);
    CHECK_FALSE(second->generated);
    CHECK(second->fingerprint == first->fingerprint);
    CHECK(read(second->private_path) == text);
    CHECK(joined(second->notes) ==
          first->private_path + ": rewritten with its line breaks normalised\n");
}

TEST_CASE("a key made by ssh-keygen is adopted and its .pub rewritten without the comment",
          "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    auto path = dir + "/ssh_host_ed25519_key";
    keygen(path, "ed25519");
    auto private_text = read(path);
    auto expected = keygen_fingerprint(path + ".pub");

    auto key = ssh::ensure_host_key(dir, kMe);
    REQUIRE(key);
    CHECK_FALSE(key->generated);
    CHECK(key->fingerprint == expected);
    CHECK(read(path) == private_text);
    CHECK_FALSE(contains(read(path + ".pub"), "by@keygen"));
    CHECK(joined(key->notes) == path + ".pub: rewritten from the private key\n");
}

TEST_CASE("an unusable key is kept as .invalid, then .invalid.1, and a new one generated",
          "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    auto path = dir + "/ssh_host_ed25519_key";
    temp.write("ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nhunter2\n");

    auto first = ssh::ensure_host_key(dir, kMe);
    REQUIRE(first);
    CHECK(first->generated);
    REQUIRE(first->notes.size() == 1);
    CHECK(first->notes[0] == path +
                                 " not usable (not a private key in OpenSSH or PEM format): kept "
                                 "as " +
                                 path + ".invalid, a new key generated");
    CHECK(read(path + ".invalid") == "-----BEGIN OPENSSH PRIVATE KEY-----\nhunter2\n");
    CHECK(first->fingerprint == keygen_fingerprint(first->public_path));

    // An RSA key is a fine key, but not the ed25519 one this file must hold.
    std::filesystem::remove(path);
    keygen(path, "rsa");
    auto rsa_text = read(path);
    auto second = ssh::ensure_host_key(dir, kMe);
    REQUIRE(second);
    CHECK(second->generated);
    CHECK(second->fingerprint != first->fingerprint);
    CHECK(contains(joined(second->notes),
                   "(a ssh-rsa key, not ed25519): kept as " + path + ".invalid.1"));
    CHECK(read(path + ".invalid.1") == rsa_text);
    CHECK(read(path + ".invalid").starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\nhunter2"));
}

TEST_CASE("a symlink or a directory under the key's name is moved aside, never followed", "[ssh]") {
    TempDir temp;
    auto dir = temp.str() + "/ssh";
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    auto path = dir + "/ssh_host_ed25519_key";
    auto target = temp.write("elsewhere", "not to be touched\n");

    SECTION("symlink") {
        REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
        auto key = ssh::ensure_host_key(dir, kMe);
        REQUIRE(key);
        CHECK(key->generated);
        CHECK(contains(joined(key->notes), "(a symlink)"));
        CHECK(S_ISLNK(stat_of(path + ".invalid").st_mode));
    }
    SECTION("directory") {
        REQUIRE(::mkdir(path.c_str(), 0700) == 0);
        auto key = ssh::ensure_host_key(dir, kMe);
        REQUIRE(key);
        CHECK(contains(joined(key->notes), "(not a regular file)"));
        CHECK(S_ISDIR(stat_of(path + ".invalid").st_mode));
    }
    CHECK(S_ISREG(stat_of(path).st_mode));
    CHECK(read(target) == "not to be touched\n");
}

TEST_CASE("a key directory that is a symlink, a file or missing its parent is refused by path",
          "[ssh]") {
    TempDir temp;
    auto real = temp.str() + "/real";
    REQUIRE(::mkdir(real.c_str(), 0700) == 0);

    auto link = temp.str() + "/link";
    REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
    auto through_link = ssh::ensure_host_key(link, kMe);
    REQUIRE_FALSE(through_link);
    CHECK(through_link.error() == link + ": is a symlink, refused");
    CHECK(names_in(real).empty());

    auto file = temp.write("file", "");
    auto on_file = ssh::ensure_host_key(file, kMe);
    REQUIRE_FALSE(on_file);
    CHECK(on_file.error() == file + ": not a directory");

    auto orphan = temp.str() + "/no/such/parent";
    auto without_parent = ssh::ensure_host_key(orphan, kMe);
    REQUIRE_FALSE(without_parent);
    CHECK(without_parent.error().starts_with(orphan + ": cannot create: "));

    auto relative = ssh::ensure_host_key("relative/ssh", kMe);
    REQUIRE_FALSE(relative);
    CHECK(relative.error() == "relative/ssh: not an absolute path");
}

TEST_CASE("the key directory must belong to the key's owner, and a new one is given to it",
          "[ssh][root]") {
    REQUIRE(::geteuid() == 0);
    TempDir temp;
    const fs::FileOwner developer{4321, 4322};
    auto theirs = temp.str() + "/theirs";
    REQUIRE(::mkdir(theirs.c_str(), 0700) == 0);
    auto refused = ssh::ensure_host_key(theirs, developer);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == theirs + ": owned by uid 0, not 4321, refused");
    CHECK(names_in(theirs).empty());

    auto fresh = temp.str() + "/fresh";
    auto key = ssh::ensure_host_key(fresh, developer);
    REQUIRE(key);
    for (const auto& path : {fresh, key->private_path, key->public_path}) {
        CHECK(stat_of(path).st_uid == 4321);
        CHECK(stat_of(path).st_gid == 4322);
    }
}

TEST_CASE("a bad public key line has no fingerprint and is not quoted", "[ssh]") {
    for (const auto& line : {"", "ssh-ed25519", "ssh-ed25519 AAAAC3Nza!!secret!!",
                             "not-a-type AAAAC3NzaC1lZDI1NTE5AAAAI"}) {
        auto fingerprint = ssh::fingerprint_of(line);
        REQUIRE_FALSE(fingerprint);
        CHECK_FALSE(fingerprint.error().empty());
        CHECK_FALSE(contains(fingerprint.error(), "secret"));
    }
}

TEST_CASE("a link the developer planted above the key directory is never followed", "[ssh]") {
    // ~/.local/state/dev8 -> /etc would have the key written into /etc/ssh.
    TempDir temp;
    auto victim = temp.str() + "/etc";
    REQUIRE(::mkdir(victim.c_str(), 0755) == 0);
    REQUIRE(::mkdir((victim + "/ssh").c_str(), 0755) == 0);
    auto state = temp.str() + "/home/.local/state";
    std::filesystem::create_directories(state);
    ::chmod(state.c_str(), 0777);  // or owned by the developer: not root's alone
    REQUIRE(::symlink(victim.c_str(), (state + "/dev8").c_str()) == 0);
    auto key = ssh::ensure_host_key(state + "/dev8/ssh", kMe);
    REQUIRE_FALSE(key);
    CHECK_THAT(key.error(), Catch::EndsWith("a symlink in a directory root does not own, refused"));
    CHECK(names_in(victim + "/ssh").empty());
    struct stat st {};
    REQUIRE(::stat((victim + "/ssh").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);  // not chmodded
}

TEST_CASE("a link root planted on the way is followed, as /home -> /var/home", "[ssh][root]") {
    REQUIRE(::geteuid() == 0);
    TempDir temp;
    ::chmod(temp.str().c_str(), 0755);
    auto real = temp.str() + "/var-home";
    REQUIRE(::mkdir(real.c_str(), 0755) == 0);
    REQUIRE(::symlink(real.c_str(), (temp.str() + "/home").c_str()) == 0);
    auto key = ssh::ensure_host_key(temp.str() + "/home/ssh", kMe);
    REQUIRE(key);
    CHECK(names_in(real + "/ssh").size() == 2);
}
