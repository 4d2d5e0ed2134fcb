#pragma once

#include <string>
#include <vector>

#include "dev8/config/config.h"
#include "dev8/fs/accounts.h"
#include "dev8/supervisor/service_spec.h"

namespace dev8::supervisor {

// Where a service starts unless told otherwise (DESIGN.md §10):
// DEV8_WORKSPACE when it exists, else the developer's home.
std::string default_cwd(const config::Config& config);

struct ServicesDir {
    std::vector<ServiceSpec> services;        // in file name order
    std::vector<config::ConfigError> errors;  // each naming its file
};

// Every *.json file of DEV8_SERVICES_DIR (none when the directory does not
// exist), with the defaults of DESIGN.md §10. `may_switch_user` is false when
// dev8-init is not root.
ServicesDir load_services_dir(const config::Config& config, const fs::AccountFiles& accounts,
                              bool may_switch_user);

}  // namespace dev8::supervisor
