#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <string>

#include "dev8/fs/atomic_file.h"
#include "dev8/ssh/host_key.h"
#include "dev8/ssh/sshd_config.h"
#include "temp_dir.h"

// The real sshd as root refuses to start without its privilege separation
// directory, which a fresh container or CI machine may lack.
inline void ensure_privsep_dir() {
    if (::geteuid() != 0) return;
    if (::mkdir("/run/sshd", 0755) != 0) REQUIRE(errno == EEXIST);
}

// A host key from ensure_host_key and the sshd_config rendered around it, in
// a temp dir, owned by whoever runs the tests (sshd checks the key's owner).
struct SshdFiles {
    TempDir dir;
    dev8::ssh::HostKey host_key;
    std::string config_path;

    SshdFiles(uint16_t port, bool as_root) {
        auto key = dev8::ssh::ensure_host_key(dir.str() + "/keys", {::getuid(), ::getgid()});
        REQUIRE(key);
        host_key = *key;
        config_path = dir.str() + "/sshd_config";
        auto config = dev8::ssh::render_sshd_config({.port = port,
                                                     .host_key_path = host_key.private_path,
                                                     .pid_file = dir.str() + "/sshd.pid",
                                                     .allow_user = "dev8",
                                                     .as_root = as_root});
        REQUIRE(dev8::fs::write_file_atomic(config_path, config, 0644));
        ensure_privsep_dir();
    }
};
