#pragma once

#include <chrono>
#include <functional>
#include <stop_token>
#include <thread>

#include "dev8/supervisor/process_control.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::supervisor {

// One attempt: a TCP connect to 127.0.0.1:port, or an HTTP GET answered 2xx/3xx.
// `stop` aborts an HTTP attempt in flight.
bool probe_once(const ReadyProbe& probe, std::chrono::milliseconds timeout,
                std::stop_token stop = {});

// How long to wait before the next attempt: quick at first, so a service is
// seen ready within milliseconds of listening, then gentler for slow starters.
std::chrono::milliseconds probe_interval(std::chrono::milliseconds since_start);

// Polls a probe on its own thread until it succeeds or is stopped; polling
// ends for good once the service is ready. `on_ready` runs on that thread.
class ReadinessWatch final : public ReadyWatch {
  public:
    ReadinessWatch(ReadyProbe probe, std::function<void()> on_ready);
    // Ends polling without waiting for the thread (it is joined on destruction).
    void cancel() override { thread_.request_stop(); }

  private:
    std::jthread thread_;
};

}  // namespace dev8::supervisor
