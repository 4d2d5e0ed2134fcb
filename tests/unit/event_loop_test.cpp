#include "dev8/loop/event_loop.h"

#include <sys/epoll.h>

#include <catch2/catch.hpp>
#include <thread>

using dev8::loop::EventLoop;
using namespace std::chrono_literals;

TEST_CASE("timers fire in deadline order and a cancelled one never fires") {
    EventLoop loop;
    std::vector<int> fired;
    loop.after(30ms, [&] {
        fired.push_back(3);
        loop.stop();
    });
    loop.after(10ms, [&] { fired.push_back(1); });
    auto cancelled = loop.after(20ms, [&] { fired.push_back(2); });
    loop.cancel(cancelled);
    loop.run();
    CHECK(fired == std::vector<int>{1, 3});
}

TEST_CASE("work posted from another thread runs on the loop") {
    EventLoop loop;
    auto loop_thread = std::this_thread::get_id();
    std::thread::id ran_on;
    std::thread poster([&] {
        loop.post([&] {
            ran_on = std::this_thread::get_id();
            loop.stop();
        });
    });
    loop.run();
    poster.join();
    CHECK(ran_on == loop_thread);
}

TEST_CASE("a watched descriptor's callback runs when it is readable") {
    EventLoop loop;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::string got;
    loop.watch(fds[0], EPOLLIN, [&](uint32_t) {
        char c;
        if (::read(fds[0], &c, 1) == 1) got += c;
        loop.unwatch(fds[0]);
        loop.stop();
    });
    REQUIRE(::write(fds[1], "x", 1) == 1);
    loop.run();
    ::close(fds[0]);
    ::close(fds[1]);
    CHECK(got == "x");
}

TEST_CASE("a callback that throws is reported and the loop goes on") {
    EventLoop loop;
    std::vector<std::string> errors;
    loop.on_error([&](std::string_view where, std::string_view what) {
        errors.push_back(std::string(where) + ": " + std::string(what));
    });
    loop.after(1ms, [] { throw std::runtime_error("timer boom"); });
    loop.post([] { throw std::bad_alloc(); });
    bool later = false;
    loop.after(10ms, [&] {
        later = true;
        loop.stop();
    });
    loop.run();
    CHECK(later);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0] == "a task posted by a worker thread: std::bad_alloc");
    CHECK(errors[1] == "a timer: timer boom");
}
