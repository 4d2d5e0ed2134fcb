// A service's output through supervisor::OutputRelay and the redactor, as
// the supervisor relays it: secrets registered, then output that holds them,
// written into the pipe in chunks cut where the input says, lines longer than
// the relay's limit included.
//
// Input: 1 to 3 secrets, one a line (short ones padded to the redactor's
// minimum; none: a token), a NUL, then the service's output, in which
//   \x01        cuts the output into two writes,
//   \x02 H L C  stands for the byte C written H * 256 + L times,
//   \x03 I      stands for secret number I (modulo their count).
//
// Invariants:
// - no registered secret ever appears in the relayed output, even when a
//   write or the line limit cuts through it;
// - the rest is kept, in order: each line comes out as "[name] " and the
//   line with its secrets masked (its CR before LF dropped), a line longer
//   than the limit in several pieces that join to that, and nothing else.
//
// Secrets share no byte with the mask, so that masking cannot make text that
// looks like one. No secret may begin inside another (or itself) and run
// past its end ("abab" in "ababab"): then no cut of a long run is safe
// before the next write shows whether the secret comes again, and the relay
// cannot hold the line back for ever. Real tokens and keys never overlap so.

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "dev8/fs/text.h"
#include "dev8/log/redactor.h"
#include "dev8/supervisor/output_relay.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
using dev8::log::Redactor;

constexpr std::string_view kService = "svc";
constexpr std::string_view kPrefix = "[svc] ";
constexpr size_t kMaxSecret = 128;
constexpr size_t kMaxOutput = 96 << 10;
// Below a pipe's 64 KiB, so that a write never waits for the reader.
constexpr size_t kMaxWrite = 48 << 10;

constexpr std::string_view kDefaultSecret = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

std::string as_secret(std::string_view line) {
    std::string value(line.substr(0, kMaxSecret));
    for (char& c : value) {
        if (Redactor::kMask.find(c) != std::string_view::npos || c == '\r') c = 'x';
    }
    constexpr std::string_view kPadding = "wxyz";
    for (size_t i = 0; value.size() < Redactor::kMinLength; ++i) value += kPadding[i];
    return value;
}

std::vector<std::string> secrets_of(std::string_view lines) {
    std::vector<std::string> secrets;
    for (auto line : dev8::fs::split(lines, '\n')) {
        if (!line.empty() && secrets.size() < 3) secrets.push_back(as_secret(line));
    }
    if (secrets.empty()) secrets.emplace_back(kDefaultSecret);
    return secrets;
}

// Whether an occurrence of `next` can begin inside one of `first` and run past its end.
bool can_overlap(const std::string& first, const std::string& next) {
    for (size_t k = 1; k < std::min(first.size(), next.size()); ++k) {
        if (first.compare(first.size() - k, k, next, 0, k) == 0) return true;
    }
    return false;
}

// The output the script describes, and where its writes end.
std::string service_output(std::string_view script, const std::vector<std::string>& secrets,
                           std::vector<size_t>& cuts) {
    std::string out;
    for (size_t i = 0; i < script.size() && out.size() < kMaxOutput; ++i) {
        auto byte = [&](size_t k) { return static_cast<unsigned char>(script[i + k]); };
        if (script[i] == '\x01') {
            cuts.push_back(out.size());
        } else if (script[i] == '\x02' && i + 3 < script.size()) {
            out.append(byte(1) * 256 + byte(2), script[i + 3]);
            i += 3;
        } else if (script[i] == '\x03' && i + 1 < script.size()) {
            out += secrets[byte(1) % secrets.size()];
            i += 1;
        } else {
            out += script[i];
        }
    }
    return out;
}

// Runs `loop` until the relay has read all there is in its pipe.
void run_until_read(dev8::loop::EventLoop& loop, int read_fd) {
    std::function<void()> stop_when_read = [&] {
        int unread = 0;
        ::ioctl(read_fd, FIONREAD, &unread);
        if (unread == 0)
            loop.stop();
        else
            loop.post(stop_when_read);
    };
    loop.post(stop_when_read);
    loop.run();
}

// What is written to stdout while `run` runs.
template <typename Run>
std::string captured_stdout(Run&& run) {
    int capture = ::memfd_create("relayed", MFD_CLOEXEC);
    int saved = ::dup(STDOUT_FILENO);
    check(capture >= 0 && saved >= 0, "cannot capture stdout");
    ::dup2(capture, STDOUT_FILENO);
    run();
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    struct stat st {};
    ::fstat(capture, &st);
    std::string out(static_cast<size_t>(st.st_size), '\0');
    check(::pread(capture, out.data(), out.size(), 0) == st.st_size, "cannot read stdout back");
    ::close(capture);
    return out;
}

std::string relayed_output(const std::string& output, const std::vector<size_t>& cuts) {
    return captured_stdout([&] {
        int fds[2];
        check(::pipe2(fds, O_CLOEXEC) == 0, "no pipe");
        dev8::loop::EventLoop loop;
        loop.on_error([](std::string_view where, std::string_view what) {
            dev8::fuzz::fail("the relay threw", std::string(where) + ": " + std::string(what));
        });
        dev8::supervisor::OutputRelay output_relay(
            loop, std::string(kService), dev8::log::Stream::Out, dev8::fs::UniqueFd(fds[0]));
        size_t written = 0;
        auto cut_points = cuts;
        cut_points.push_back(output.size());
        for (auto cut : cut_points) {
            while (written < cut) {
                auto n =
                    ::write(fds[1], output.data() + written, std::min(cut - written, kMaxWrite));
                check(n > 0, "cannot write into the pipe");
                written += static_cast<size_t>(n);
                run_until_read(loop, fds[0]);
            }
        }
        ::close(fds[1]);
        output_relay.flush();
    });
}

// Each relayed line without its prefix.
std::vector<std::string_view> relayed_lines(std::string_view out) {
    std::vector<std::string_view> lines;
    for (auto line : dev8::fs::lines(out)) {
        check(line.ends_with('\n') && line.starts_with(kPrefix),
              "a relayed line lacks its prefix or its newline", line);
        lines.push_back(line.substr(kPrefix.size(), line.size() - kPrefix.size() - 1));
    }
    return lines;
}

// The service's lines as the relay should show them, masked.
std::vector<std::string> expected_lines(std::string_view output) {
    std::vector<std::string> expected;
    for (auto line : dev8::fs::lines(output)) {
        if (line.ends_with('\n')) {
            line.remove_suffix(1);
            if (line.ends_with('\r')) line.remove_suffix(1);
        }
        expected.push_back(dev8::log::redactor().redact(line));
    }
    return expected;
}

void check_relayed(std::string_view output, std::string_view out,
                   const std::vector<std::string>& secrets) {
    auto lines = relayed_lines(out);
    for (auto line : lines) {
        for (const auto& s : secrets) {
            check(line.find(s) == std::string_view::npos, "a secret was relayed", s);
        }
    }
    size_t next = 0;
    for (const auto& want : expected_lines(output)) {
        std::string got;
        size_t pieces = 0;
        do {
            check(next < lines.size(), "a line was not relayed", want);
            check(want.empty() || !lines[next].empty(), "an empty line amid a line's pieces", want);
            got += lines[next++];
            ++pieces;
        } while (got.size() < want.size());
        // A cut between the CR and the LF of a long line leaves the CR in its last piece.
        if (pieces > 1 && got == want + "\r") got.pop_back();
        check(got == want, "a relayed line is not the service's line, masked", got);
    }
    if (next < lines.size())
        dev8::fuzz::fail("the relay wrote a line the service did not", lines[next]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = dev8::fuzz::split_parts(dev8::fuzz::as_text(data, size), 2);
    auto secrets = secrets_of(parts[0]);
    for (const auto& first : secrets) {
        for (const auto& next : secrets) {
            if (can_overlap(first, next)) return 0;
        }
    }
    dev8::log::redactor().clear();
    for (const auto& secret : secrets) dev8::log::redactor().add(secret);
    std::vector<size_t> cuts;
    auto output = service_output(dev8::fuzz::part(parts, 1), secrets, cuts);
    check_relayed(output, relayed_output(output, cuts), secrets);
    dev8::log::redactor().clear();
    return 0;
}
