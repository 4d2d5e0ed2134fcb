#pragma once

#include <expected>
#include <string>
#include <vector>

#include "dev8/config/config.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::app {

// What start-up reads before anything runs: the environment's configuration
// and the services of DEV8_SERVICES_DIR.
struct Setup {
    config::Config config;
    std::vector<supervisor::ServiceSpec> services;
};

// Both, with every error of either at once (DESIGN.md §3: exit 78).
std::expected<Setup, std::vector<config::ConfigError>> load_setup(
    const config::Environment& env, const config::LoadOptions& options);

// `dev8-init run`: the whole life of the container, from the first signal
// read to the exit code. Returns the code to exit with (DESIGN.md §2, §10).
int run(const Setup& setup, const config::Environment& env, std::vector<std::string> main_command);

// `dev8-init plan`: what run would do with this setup.
std::string render_plan(const Setup& setup, const config::Environment& env,
                        const std::vector<std::string>& main_command);

}  // namespace dev8::app
