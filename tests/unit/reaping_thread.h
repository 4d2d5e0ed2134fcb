#pragma once

#include <chrono>
#include <thread>

#include "dev8/process/reaper.h"

// Stands in for the event loop in unit tests: reaps while a worker waits on
// its child.
class ReapingThread {
  public:
    explicit ReapingThread(dev8::process::Reaper& reaper)
        : thread_([&reaper](std::stop_token stop) {
              while (!stop.stop_requested()) {
                  reaper.reap();
                  std::this_thread::sleep_for(std::chrono::milliseconds(2));
              }
          }) {}

  private:
    std::jthread thread_;
};
