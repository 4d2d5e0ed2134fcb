#include "dev8/supervisor/output_relay.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "capture.h"
#include "dev8/fs/fd_io.h"
#include "dev8/fs/text.h"
#include "dev8/log/redactor.h"

using namespace dev8;

namespace {

// What a service that wrote `output` and exited gets relayed, without the prefixes.
std::vector<std::string> relayed(const std::string& output) {
    Capture out(STDOUT_FILENO);
    {
        loop::EventLoop loop;
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        supervisor::OutputRelay relay(loop, "svc", log::Stream::Out, fs::UniqueFd(fds[0]));
        REQUIRE(fs::write_all(fds[1], output));
        ::close(fds[1]);
        relay.flush();
    }
    auto text = out.text();
    std::vector<std::string> lines;
    for (auto line : fs::lines(text)) {
        REQUIRE(line.starts_with("[svc] "));
        REQUIRE(line.ends_with('\n'));
        lines.emplace_back(line.substr(6, line.size() - 7));
    }
    return lines;
}

}  // namespace

TEST_CASE("a line ending in a secret right at the line limit is relayed without an empty line") {
    // A read takes at most 16 KiB, the relay's line limit. Longer than any
    // other secret the tests register, so that no cut falls before it.
    const std::string secret = "ghp_" + std::string(8 * 1024, 'k');
    log::redactor().add(secret);
    const std::string text(16 * 1024 - secret.size(), 'a');
    for (std::string newline : {"\n", "\r\n"}) {
        auto lines = relayed(text + secret + newline + "next" + newline);
        REQUIRE(lines.size() >= 2);
        CHECK(lines.back() == "next");
        std::string joined;
        for (size_t i = 0; i + 1 < lines.size(); ++i) {
            CHECK_FALSE(lines[i].empty());
            joined += lines[i];
        }
        CHECK(joined == text + "[redacted]");
    }
}
