#pragma once

#include <memory>

#include "dev8/steps/step.h"

namespace dev8::steps {

// copilot: the standalone Copilot CLI finds the token in the shell environment
// (the ai-tools env file); gh extensions of DEV8_GH_EXTENSIONS are installed
// unless present (DESIGN.md §4).
std::unique_ptr<Step> make_copilot_step();

}  // namespace dev8::steps
