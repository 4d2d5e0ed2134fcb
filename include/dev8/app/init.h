#pragma once

#include <string>
#include <vector>

#include "dev8/config/config.h"

namespace dev8::app {

// `dev8-init run`: the whole life of the container, from the first signal
// read to the exit code. Returns the code to exit with (DESIGN.md §2, §10).
int run(const config::Config& config, const config::Environment& env,
        std::vector<std::string> main_command);

// `dev8-init plan`: what run would do with this configuration.
std::string render_plan(const config::Config& config, const config::Environment& env,
                        const std::vector<std::string>& main_command);

}  // namespace dev8::app
