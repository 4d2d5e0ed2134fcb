#include "dev8/process/identity.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "dev8/fs/atomic_file.h"
#include "temp_dir.h"

using namespace dev8;

TEST_CASE("a thread acting as the developer creates files the developer owns", "[root]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    ::chmod(dir.str().c_str(), 0777);
    fs::Account dev{"dev", 4321, 4322, dir.str(), "/bin/sh", {4322}};
    std::thread worker([&] {
        process::ScopedFsIdentity identity(dev);
        CHECK(identity.active());
        REQUIRE(fs::write_file_atomic(dir.str() + "/mine", "x", 0600));
    });
    worker.join();
    struct stat st {};
    REQUIRE(::stat((dir.str() + "/mine").c_str(), &st) == 0);
    CHECK(st.st_uid == 4321);
    CHECK(st.st_gid == 4322);
    // Other threads kept root.
    REQUIRE(fs::write_file_atomic(dir.str() + "/root-owned", "x", 0600));
    REQUIRE(::stat((dir.str() + "/root-owned").c_str(), &st) == 0);
    CHECK(st.st_uid == 0);
}

TEST_CASE("acting as the developer cannot write where the developer may not", "[root]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    ::chmod(dir.str().c_str(), 0755);  // root's directory
    fs::Account dev{"dev", 4321, 4322, "/", "/bin/sh", {4322}};
    std::thread worker([&] {
        process::ScopedFsIdentity identity(dev);
        CHECK_FALSE(fs::write_file_atomic(dir.str() + "/nope", "x", 0600));
    });
    worker.join();
}

TEST_CASE("acting as the developer leaves the process dumpable afterwards", "[root]") {
    REQUIRE(::geteuid() == 0);
    fs::Account dev{"dev", 4321, 4322, "/", "/bin/sh", {4322}};
    std::thread worker([&] { process::ScopedFsIdentity identity(dev); });
    worker.join();
    CHECK(::prctl(PR_GET_DUMPABLE) == 1);
}

TEST_CASE("acting as the developer keeps the parent-death signal the thread had", "[root]") {
    REQUIRE(::geteuid() == 0);
    fs::Account dev{"dev", 4321, 4322, "/", "/bin/sh", {4322}};
    int after = -1;
    std::thread worker([&] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        { process::ScopedFsIdentity identity(dev); }
        ::prctl(PR_GET_PDEATHSIG, &after);
    });
    worker.join();
    CHECK(after == SIGKILL);
}

TEST_CASE("an identity taken inside another leaves the outer one in place", "[root]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    ::chmod(dir.str().c_str(), 0777);
    fs::Account dev{"dev", 4321, 4322, dir.str(), "/bin/sh", {4322}};
    std::thread worker([&] {
        process::ScopedFsIdentity outer(dev);
        {
            process::ScopedFsIdentity inner(dev);
            CHECK_FALSE(inner.active());  // already the developer: nothing to do
        }
        REQUIRE(fs::write_file_atomic(dir.str() + "/after-inner", "x", 0600));
    });
    worker.join();
    struct stat st {};
    REQUIRE(::stat((dir.str() + "/after-inner").c_str(), &st) == 0);
    CHECK(st.st_uid == 4321);
}

TEST_CASE("a second developer inside the first is undone back to the first", "[root]") {
    REQUIRE(::geteuid() == 0);
    TempDir dir;
    ::chmod(dir.str().c_str(), 0777);
    fs::Account first{"one", 4321, 4322, dir.str(), "/bin/sh", {4322}};
    fs::Account second{"two", 4331, 4332, dir.str(), "/bin/sh", {4332}};
    std::thread worker([&] {
        process::ScopedFsIdentity outer(first);
        { process::ScopedFsIdentity inner(second); }
        REQUIRE(fs::write_file_atomic(dir.str() + "/back-to-first", "x", 0600));
    });
    worker.join();
    struct stat st {};
    REQUIRE(::stat((dir.str() + "/back-to-first").c_str(), &st) == 0);
    CHECK(st.st_uid == 4321);
    CHECK(st.st_gid == 4322);
}
