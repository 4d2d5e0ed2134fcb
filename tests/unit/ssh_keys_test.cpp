#include "dev8/steps/ssh_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "dev8/fs/atomic_file.h"
#include "dev8/fs/read_file.h"
#include "dev8/process/identity.h"
#include "dev8/ssh/keys.h"
#include "temp_dir.h"

using namespace dev8;

namespace {

std::string read(const std::string& path) {
    auto content = fs::read_file(path, dev8::fs::kMaxTextFile);
    REQUIRE(content);
    REQUIRE(*content);
    return **content;
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// A real key pair from ssh-keygen: the private key file's text and the .pub line.
struct KeyPair {
    std::string private_text;
    std::string public_line;
    std::string path;
};

KeyPair generate_key(const TempDir& dir, const std::string& name,
                     const std::string& options = "-t ed25519") {
    auto path = dir.str() + "/" + name;
    auto command = "ssh-keygen -q " + options + " -N '' -C '" + name + "@test' -f '" + path +
                   "' </dev/null >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    return {read(path), first_line(read(path + ".pub")), path};
}

// The key pairs the tests share: generating RSA keys is slow.
const TempDir& key_dir() {
    static TempDir dir;
    return dir;
}
const KeyPair& alice() {
    static KeyPair key = generate_key(key_dir(), "alice");
    return key;
}
const KeyPair& bob() {
    static KeyPair key = generate_key(key_dir(), "bob");
    return key;
}
const KeyPair& carol() {
    static KeyPair key = generate_key(key_dir(), "carol", "-t ecdsa");
    return key;
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

time_t mtime_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mtime;
}

void set_old_mtime(const std::string& path) {
    struct timespec old_time[2] = {{1, 0}, {1, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old_time, AT_SYMLINK_NOFOLLOW) == 0);
}

std::set<std::string> names_in(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

// A developer whose home is a fresh directory, and the step run for them.
struct Developer {
    TempDir home;
    config::Config config;
    process::Reaper reaper;

    Developer() {
        config.developer = {"dev", ::getuid(), ::getgid(), home.str(), "/bin/sh", {::getgid()}};
    }
    void set_public_keys(const std::string& value) {
        config.secrets.ssh_public_key = config::Secret{value, "SSH_PUBLIC_KEY"};
    }
    void set_private_key(const std::string& value) {
        config.secrets.ssh_private_key = config::Secret{value, "SSH_PRIVATE_KEY"};
    }
    steps::StepResult run() {
        steps::StepContext context{config, reaper, {}};
        return steps::make_ssh_keys_step()->run(context);
    }
    std::string ssh(const std::string& name) const { return home.str() + "/.ssh/" + name; }
    std::string authorized_keys() const { return read(ssh("authorized_keys")); }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The base64 of a key, which a message must never quote.
std::string key_data(const std::string& line) {
    auto start = line.find(' ') + 1;
    return line.substr(start, line.find(' ', start) - start);
}

std::string corrupted(const std::string& line) {
    auto bad = line;
    bad.replace(bad.find("AAAA") + 20, 8, "!!!!!!!!");
    return bad;
}

}  // namespace

TEST_CASE("a valid public key is accepted and written back as one canonical line") {
    auto key = ssh::parse_authorized_key("  " + alice().public_line + " \r\n");
    REQUIRE(key);
    CHECK(key->type == "ssh-ed25519");
    CHECK(key->comment == "alice@test");
    CHECK(key->line() == alice().public_line);

    auto ecdsa = ssh::parse_authorized_key(carol().public_line);
    REQUIRE(ecdsa);
    CHECK(ecdsa->type == "ecdsa-sha2-nistp256");
}

TEST_CASE("sshd options before the key type are kept, quoted blanks included") {
    auto line = R"(from="10.0.0.1",command="echo \"a b\"" )" + alice().public_line;
    auto key = ssh::parse_authorized_key(line);
    REQUIRE(key);
    CHECK(key->options == R"(from="10.0.0.1",command="echo \"a b\"")");
    CHECK(key->type == "ssh-ed25519");
    CHECK(key->line() == line);
}

TEST_CASE("a malformed public key is rejected with a reason that does not quote it") {
    auto data = key_data(alice().public_line);
    std::vector<std::string> malformed = {corrupted(alice().public_line),
                                          "ssh-ed25519",
                                          "ghp_notakeyatall1234567890",
                                          "ssh-foo " + data,
                                          "ssh-ed25519 " + key_data(carol().public_line),
                                          "ssh-dss " + data,
                                          R"(command="unterminated )" + alice().public_line};
    for (const auto& line : malformed) {
        auto key = ssh::parse_authorized_key(line);
        REQUIRE_FALSE(key);
        CHECK_FALSE(key.error().empty());
        CHECK_FALSE(contains(key.error(), data.substr(20, 16)));
        CHECK_FALSE(contains(key.error(), "ghp_"));
    }
    CHECK(ssh::parse_authorized_key("ssh-dss " + data).error() == "unsupported key type ssh-dss");
}

TEST_CASE("a private key gives its file name and the public key derived from it") {
    auto ed25519 = ssh::parse_private_key(alice().private_text);
    REQUIRE(ed25519);
    CHECK(ed25519->file_name == "id_ed25519");
    CHECK(ed25519->public_key.same_key(*ssh::parse_authorized_key(alice().public_line)));
    CHECK(ed25519->text == alice().private_text);

    auto ecdsa = ssh::parse_private_key(carol().private_text);
    REQUIRE(ecdsa);
    CHECK(ecdsa->file_name == "id_ecdsa");
    CHECK(ecdsa->public_key.line() == ssh::parse_authorized_key(carol().public_line)->type + " " +
                                          key_data(carol().public_line));
}

TEST_CASE("PEM and PKCS#8 private keys are read as well as OpenSSH ones") {
    TempDir dir;
    auto rsa = generate_key(dir, "rsa", "-t rsa -b 2048 -m PEM");
    REQUIRE(rsa.private_text.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    auto key = ssh::parse_private_key(rsa.private_text);
    REQUIRE(key);
    CHECK(key->file_name == "id_rsa");
    CHECK(key->public_key.line() == "ssh-rsa " + key_data(rsa.public_line));

    auto pkcs8 = generate_key(dir, "pkcs8", "-t ecdsa -m PKCS8");
    REQUIRE(pkcs8.private_text.starts_with("-----BEGIN PRIVATE KEY-----"));
    auto ecdsa = ssh::parse_private_key(pkcs8.private_text);
    REQUIRE(ecdsa);
    CHECK(ecdsa->file_name == "id_ecdsa");
}

TEST_CASE("a private key pasted with CRLF or literal \\n line breaks is accepted") {
    std::string crlf, escaped;
    for (char c : alice().private_text) {
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    for (const auto& text : {crlf, escaped, "\n  " + alice().private_text + "\n\n"}) {
        auto key = ssh::parse_private_key(text);
        REQUIRE(key);
        CHECK(key->text == alice().private_text);
    }
}

TEST_CASE("a private key with a passphrase or a public key instead is refused, named as such") {
    TempDir dir;
    auto path = dir.str() + "/locked";
    REQUIRE(std::system(("ssh-keygen -q -t ed25519 -N 'correct horse' -f " + path +
                         " </dev/null >/dev/null 2>&1")
                            .c_str()) == 0);
    auto locked = ssh::parse_private_key(read(path));
    REQUIRE_FALSE(locked);
    CHECK(locked.error() == "the key is protected by a passphrase");

    auto public_key = ssh::parse_private_key(alice().public_line);
    REQUIRE_FALSE(public_key);
    CHECK(public_key.error() == "a public key, not a private one");

    auto garbage = ssh::parse_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nsecretstuff\n");
    REQUIRE_FALSE(garbage);
    CHECK_FALSE(contains(garbage.error(), "secretstuff"));
}

TEST_CASE("lines of SSH_PUBLIC_KEY are numbered from 1, blank and comment lines included") {
    auto list = steps::parse_public_key_list("# mine\n\n" + alice().public_line +
                                             "\r\nnot a key\n" + bob().public_line);
    REQUIRE(list.keys.size() == 2);
    CHECK(list.keys[1].comment == "bob@test");
    REQUIRE(list.rejected.size() == 1);
    CHECK(list.rejected[0].number == 4);
}

TEST_CASE("a malformed key among two good ones is skipped and named by line number") {
    Developer dev;
    auto bad = corrupted(carol().public_line);
    dev.set_public_keys(alice().public_line + "\n" + bad + "\n" + bob().public_line + "\n");
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Ok);
    CHECK(contains(result.message, "SSH_PUBLIC_KEY line 2 skipped"));
    CHECK_FALSE(contains(result.message, key_data(bad).substr(0, 24)));
    auto text = dev.authorized_keys();
    CHECK(contains(text, alice().public_line + "\n"));
    CHECK(contains(text, bob().public_line + "\n"));
    CHECK_FALSE(contains(text, key_data(carol().public_line)));
}

TEST_CASE("several bad lines are named as ranges and none good is a failure") {
    Developer dev;
    dev.set_public_keys("x\n" + alice().public_line + "\ny\nz\nw\n");
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Ok);
    CHECK(contains(result.message, "SSH_PUBLIC_KEY lines 1, 3-5 skipped"));

    dev.set_public_keys("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n");
    result = dev.run();
    CHECK(result.state == steps::StepState::Failed);
    CHECK(contains(result.message, "SSH_PUBLIC_KEY lines 1-2 skipped"));
    CHECK_FALSE(contains(result.message, "b3Blbn"));
}

TEST_CASE("~/.ssh is 0700 and authorized_keys 0600 with the keys in a marked block") {
    Developer dev;
    dev.set_public_keys(alice().public_line);
    auto result = dev.run();
    REQUIRE(result.state == steps::StepState::Ok);
    CHECK(result.message == "authorized_keys: 1 key managed");
    CHECK(mode_of(dev.home.str() + "/.ssh") == 0700);
    CHECK(mode_of(dev.ssh("authorized_keys")) == 0600);
    auto text = dev.authorized_keys();
    CHECK(text.starts_with(std::string(steps::kManagedBlockBegin) + "\n"));
    CHECK(text.ends_with(alice().public_line + "\n" + std::string(steps::kManagedBlockEnd) + "\n"));
}

TEST_CASE("an authorized_keys linked from a dotfiles folder is edited through the link") {
    Developer dev;
    auto target = dev.home.write("dotfiles/authorized_keys", bob().public_line + "\n");
    std::filesystem::create_directories(dev.home.path / ".ssh");
    std::filesystem::create_symlink(target, dev.ssh("authorized_keys"));
    dev.set_public_keys(alice().public_line);
    REQUIRE(dev.run().state == steps::StepState::Ok);
    CHECK(std::filesystem::is_symlink(dev.ssh("authorized_keys")));
    CHECK(read(target).starts_with(bob().public_line + "\n"));
    CHECK(contains(read(target), alice().public_line));
}

TEST_CASE("an authorized_keys link that leads nowhere is left alone and named") {
    Developer dev;
    std::filesystem::create_directories(dev.home.path / ".ssh");
    std::filesystem::create_symlink(dev.home.path / "gone", dev.ssh("authorized_keys"));
    dev.set_public_keys(alice().public_line);
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Failed);
    CHECK(contains(result.message, dev.ssh("authorized_keys") + ": a symlink that leads nowhere"));
    CHECK(std::filesystem::is_symlink(dev.ssh("authorized_keys")));
    CHECK_FALSE(std::filesystem::exists(dev.home.path / "gone"));
}

TEST_CASE("an authorized_keys that is a FIFO fails the step at once") {
    Developer dev;
    std::filesystem::create_directories(dev.home.path / ".ssh");
    REQUIRE(::mkfifo(dev.ssh("authorized_keys").c_str(), 0600) == 0);
    dev.set_public_keys(alice().public_line);
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Failed);
    CHECK(contains(result.message, dev.ssh("authorized_keys") + ": a FIFO, not read"));
}

TEST_CASE("lines outside the managed block are kept byte for byte") {
    auto before = "# my keys\r\n" + bob().public_line + "  \n\n  \t\n";
    auto after = "command=\"x\" " + carol().public_line + "\nno final newline";
    auto old_block = std::string(steps::kManagedBlockBegin) + "\nstale line\n" +
                     std::string(steps::kManagedBlockEnd) + "\n";
    auto key = *ssh::parse_authorized_key(alice().public_line);
    auto updated = steps::render_authorized_keys(before + old_block + after, {key});
    CHECK(updated.managed == 1);
    CHECK(updated.text.starts_with(before + std::string(steps::kManagedBlockBegin) + "\n"));
    CHECK(updated.text.ends_with(std::string(steps::kManagedBlockEnd) + "\n" + after));
    CHECK_FALSE(contains(updated.text, "stale line"));
    CHECK(contains(updated.text, alice().public_line + "\n"));
}

TEST_CASE("a block added to a file without a final newline starts on its own line") {
    auto key = *ssh::parse_authorized_key(alice().public_line);
    auto updated = steps::render_authorized_keys(bob().public_line, {key});
    CHECK(updated.text.starts_with(bob().public_line + "\n" +
                                   std::string(steps::kManagedBlockBegin) + "\n"));
    CHECK(steps::render_authorized_keys("", {}).text.empty());
    CHECK(steps::render_authorized_keys(bob().public_line, {}).text == bob().public_line);
}

TEST_CASE("a key the user already has outside the block is not repeated inside it") {
    Developer dev;
    dev.home.write(".ssh/authorized_keys", "from=\"10.0.0.0/8\" " + bob().public_line + "\n");
    auto renamed = ssh::parse_authorized_key(bob().public_line);
    renamed->comment = "another comment";
    dev.set_public_keys(alice().public_line + "\n" + renamed->line() + "\n" + alice().public_line);
    auto result = dev.run();
    CHECK(contains(result.message, "authorized_keys: 1 key managed"));
    CHECK(contains(result.message, "1 key already in authorized_keys outside the managed block"));
    auto text = dev.authorized_keys();
    CHECK(text.find(key_data(bob().public_line)) == text.rfind(key_data(bob().public_line)));
    CHECK(text.find(key_data(alice().public_line)) == text.rfind(key_data(alice().public_line)));
}

TEST_CASE("a key removed from SSH_PUBLIC_KEY is revoked on restart") {
    Developer dev;
    dev.home.write(".ssh/authorized_keys", "# user line\n");
    dev.set_public_keys(alice().public_line + "\n" + bob().public_line);
    REQUIRE(dev.run().state == steps::StepState::Ok);
    dev.set_public_keys(bob().public_line);
    REQUIRE(dev.run().state == steps::StepState::Ok);
    auto text = dev.authorized_keys();
    CHECK_FALSE(contains(text, key_data(alice().public_line)));
    CHECK(contains(text, bob().public_line));
    CHECK(text.starts_with("# user line\n"));
}

TEST_CASE("with no public key left the managed block is removed, the user's lines stay") {
    Developer dev;
    dev.home.write(".ssh/authorized_keys", "# user line\n");
    dev.set_public_keys(alice().public_line);
    REQUIRE(dev.run().state == steps::StepState::Ok);

    SECTION("only SSH_PRIVATE_KEY set") {
        dev.config.secrets.ssh_public_key.reset();
        dev.set_private_key(bob().private_text);
        auto result = dev.run();
        CHECK(result.state == steps::StepState::Ok);
        CHECK(contains(result.message, "managed block removed (SSH_PUBLIC_KEY not set)"));
    }
    SECTION("neither variable set") {
        dev.config.secrets.ssh_public_key.reset();
        auto result = dev.run();
        CHECK(result.state == steps::StepState::Ok);
        CHECK(result.message ==
              "SSH_PUBLIC_KEY and SSH_PRIVATE_KEY not set: managed block removed from "
              "authorized_keys");
        CHECK(dev.run().state == steps::StepState::Skipped);
    }
    CHECK(dev.authorized_keys() == "# user line\n");
}

TEST_CASE("an SSH_PUBLIC_KEY of comments only holds no key and creates no file") {
    Developer dev;
    dev.set_public_keys("# nothing yet\n\n");
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Ok);
    CHECK(result.message == "SSH_PUBLIC_KEY holds no key");
    CHECK_FALSE(std::filesystem::exists(dev.ssh("authorized_keys")));
}

TEST_CASE("with neither key set the step is skipped with the reason and touches nothing") {
    Developer dev;
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Skipped);
    CHECK(result.message == "SSH_PUBLIC_KEY and SSH_PRIVATE_KEY not set");
    CHECK_FALSE(std::filesystem::exists(dev.home.path / ".ssh"));
}

TEST_CASE("an unterminated managed block is replaced up to the end of the file") {
    auto current =
        "# mine\n" + std::string(steps::kManagedBlockBegin) + "\n" + alice().public_line + "\n";
    auto updated = steps::render_authorized_keys(current, {});
    CHECK(updated.unterminated_block);
    CHECK(updated.text == "# mine\n");
}

TEST_CASE("the private key is installed as id_<type> 0600 with its .pub 0644") {
    Developer dev;
    dev.set_private_key(carol().private_text);
    auto result = dev.run();
    REQUIRE(result.state == steps::StepState::Ok);
    CHECK(result.message == "id_ecdsa installed");
    CHECK(read(dev.ssh("id_ecdsa")) == carol().private_text);
    CHECK(mode_of(dev.ssh("id_ecdsa")) == 0600);
    CHECK(mode_of(dev.ssh("id_ecdsa.pub")) == 0644);
    CHECK(read(dev.ssh("id_ecdsa.pub")) ==
          "ecdsa-sha2-nistp256 " + key_data(carol().public_line) + "\n");
    CHECK_FALSE(std::filesystem::exists(dev.ssh("authorized_keys")));
}

TEST_CASE("a different existing private key is backed up") {
    Developer dev;
    auto old_key = dev.home.write(".ssh/id_ed25519", bob().private_text);
    dev.home.write(".ssh/id_ed25519.pub", bob().public_line + "\n");
    ::chmod(old_key.c_str(), 0644);
    dev.set_private_key(alice().private_text);
    auto result = dev.run();
    REQUIRE(result.state == steps::StepState::Ok);
    CHECK(contains(result.message,
                   "the different key there before moved to "
                   "id_ed25519.dev8-backup-"));
    CHECK(read(dev.ssh("id_ed25519")) == alice().private_text);
    std::string backup;
    for (const auto& name : names_in(dev.home.str() + "/.ssh")) {
        if (name.starts_with("id_ed25519.dev8-backup-") && !name.ends_with(".pub")) backup = name;
    }
    REQUIRE_FALSE(backup.empty());
    CHECK(contains(result.message, backup));
    CHECK(read(dev.ssh(backup)) == bob().private_text);
    CHECK(mode_of(dev.ssh(backup)) == 0600);
    CHECK(read(dev.ssh(backup + ".pub")) == bob().public_line + "\n");
    CHECK(first_line(read(dev.ssh("id_ed25519.pub"))) ==
          "ssh-ed25519 " + key_data(alice().public_line));
}

TEST_CASE("the same private key in another format is left untouched") {
    TempDir dir;
    auto pair = generate_key(dir, "dave", "-t ecdsa");
    REQUIRE(std::system(
                ("ssh-keygen -q -p -N '' -m PEM -f " + pair.path + " >/dev/null 2>&1").c_str()) ==
            0);
    auto pem = read(pair.path);
    REQUIRE(pem.starts_with("-----BEGIN EC PRIVATE KEY-----"));

    Developer dev;
    auto existing = dev.home.write(".ssh/id_ecdsa", pem);
    dev.home.write(".ssh/id_ecdsa.pub", pair.public_line + "\n");
    ::chmod(existing.c_str(), 0600);
    set_old_mtime(existing);
    set_old_mtime(dev.ssh("id_ecdsa.pub"));
    dev.set_private_key(pair.private_text);
    auto result = dev.run();
    CHECK(result.message == "id_ecdsa already in place");
    CHECK(read(existing) == pem);
    CHECK(mtime_of(existing) == 1);
    CHECK(mtime_of(dev.ssh("id_ecdsa.pub")) == 1);
    CHECK(names_in(dev.home.str() + "/.ssh") == std::set<std::string>{"id_ecdsa", "id_ecdsa.pub"});
}

TEST_CASE("a malformed private key is reported without its content and nothing is written") {
    Developer dev;
    dev.set_public_keys(alice().public_line);
    dev.set_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nhunter2hunter2\n-----END");
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Failed);
    CHECK(contains(result.message,
                   "SSH_PRIVATE_KEY not used: not a private key in OpenSSH or PEM format"));
    CHECK_FALSE(contains(result.message, "hunter2"));
    CHECK(contains(result.message, "authorized_keys: 1 key managed"));
    CHECK(names_in(dev.home.str() + "/.ssh") == std::set<std::string>{"authorized_keys"});
}

TEST_CASE("a second run changes nothing (mtime)") {
    Developer dev;
    dev.home.write(".ssh/authorized_keys", "# user line\n");
    dev.set_public_keys(alice().public_line + "\n" + bob().public_line);
    dev.set_private_key(carol().private_text);
    REQUIRE(dev.run().state == steps::StepState::Ok);

    auto dir = dev.home.str() + "/.ssh";
    auto names = names_in(dir);
    std::map<std::string, std::string> bytes;
    for (const auto& name : names) {
        bytes[name] = read(dir + "/" + name);
        set_old_mtime(dir + "/" + name);
    }
    auto result = dev.run();
    CHECK(result.state == steps::StepState::Ok);
    CHECK(contains(result.message, "id_ecdsa already in place"));
    CHECK(names_in(dir) == names);
    for (const auto& name : names) {
        CHECK(read(dir + "/" + name) == bytes[name]);
        CHECK(mtime_of(dir + "/" + name) == 1);
    }
}

TEST_CASE("files written while acting as the developer belong to the developer", "[root]") {
    REQUIRE(::geteuid() == 0);
    Developer dev;
    dev.config.developer = {"dev", 4321, 4322, dev.home.str(), "/bin/sh", {4322}};
    REQUIRE(::chown(dev.home.str().c_str(), 4321, 4322) == 0);
    auto old_key = dev.home.write(".ssh/id_ed25519", bob().private_text);
    REQUIRE(::chown((dev.home.str() + "/.ssh").c_str(), 4321, 4322) == 0);
    REQUIRE(::chown(old_key.c_str(), 4321, 4322) == 0);
    dev.set_public_keys(alice().public_line);
    dev.set_private_key(alice().private_text);
    std::thread worker([&] {
        process::ScopedFsIdentity as_developer(dev.config.developer);
        CHECK(dev.run().state == steps::StepState::Ok);
    });
    worker.join();
    auto dir = dev.home.str() + "/.ssh";
    auto names = names_in(dir);
    CHECK(names.size() == 4);  // authorized_keys, id_ed25519, its .pub and the backup
    for (const auto& name : names) {
        struct stat st {};
        REQUIRE(::stat((dir + "/" + name).c_str(), &st) == 0);
        CHECK(st.st_uid == 4321);
        CHECK(st.st_gid == 4322);
    }
}

TEST_CASE("plan says where the keys go and names bad lines without their content") {
    config::Config config;
    config.developer.home = "/home/dev";
    auto step = steps::make_ssh_keys_step();
    CHECK(step->name() == "ssh-keys");
    CHECK(step->plan(config) == "skipped: SSH_PUBLIC_KEY and SSH_PRIVATE_KEY not set");
    config.secrets.ssh_public_key = config::Secret{alice().public_line + "\nsecret-ish", "x"};
    config.secrets.ssh_private_key = config::Secret{alice().private_text, "y"};
    auto plan = step->plan(config);
    CHECK(plan ==
          "1 key into the managed block of /home/dev/.ssh/authorized_keys; SSH_PUBLIC_KEY line 2 "
          "skipped: not a key type sshd knows; private key to /home/dev/.ssh/id_ed25519 (and "
          ".pub)");
}
