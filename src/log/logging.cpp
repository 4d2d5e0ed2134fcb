#include "dev8/log/logging.h"

#include <fmt/chrono.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "dev8/fs/fd_io.h"
#include "dev8/log/redactor.h"

namespace dev8::log {
namespace {

std::atomic<Format> g_format{Format::Text};
std::mutex g_write_mutex;

// One line, whole, even when threads log at once.
void write_line(int fd, std::string_view line) {
    std::lock_guard lock(g_write_mutex);
    fs::write_all(fd, line);
}

std::string timestamp(std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()) % 1000;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(t)),
                       static_cast<int>(ms.count()));
}

std::string json_line(const nlohmann::json& object) {
    return json_text(object) + "\n";
}

class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        auto text = redactor().redact({msg.payload.data(), msg.payload.size()});
        auto level = spdlog::level::to_string_view(msg.level);
        std::string line;
        if (g_format.load() == Format::Json) {
            line = json_line({{"time", timestamp(msg.time)},
                              {"level", std::string_view(level.data(), level.size())},
                              {"msg", text}});
        } else {
            line = fmt::format("{} {:<5} {}\n", timestamp(msg.time),
                               std::string_view(level.data(), level.size()), text);
        }
        write_line(STDERR_FILENO, line);
    }
    void flush_() override {}
};

}  // namespace

void setup(Format format, spdlog::level::level_enum level) {
    g_format = format;
    static auto logger = [] {
        auto l = std::make_shared<spdlog::logger>("dev8-init", std::make_shared<RedactingSink>());
        spdlog::set_default_logger(l);
        return l;
    }();
    logger->set_level(level);
}

std::optional<Format> parse_format(std::string_view text) {
    if (text == "text") return Format::Text;
    if (text == "json") return Format::Json;
    return std::nullopt;
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view text) {
    static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
        {"trace", spdlog::level::trace},  {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},    {"warn", spdlog::level::warn},
        {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
    };
    for (auto [name, level] : kLevels) {
        if (text == name) return level;
    }
    return std::nullopt;
}

std::string json_text(const nlohmann::json& document, int indent) {
    return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void relay(std::string_view service, Stream stream, std::string_view line) {
    auto text = redactor().redact(line);
    std::string out;
    if (g_format.load() == Format::Json) {
        out = json_line({{"time", timestamp(std::chrono::system_clock::now())},
                         {"service", service},
                         {"stream", stream == Stream::Out ? "stdout" : "stderr"},
                         {"msg", text}});
    } else {
        out = fmt::format("[{}] {}\n", service, text);
    }
    write_line(stream == Stream::Out ? STDOUT_FILENO : STDERR_FILENO, out);
}

}  // namespace dev8::log
