#pragma once

#include <memory>

#include "dev8/steps/step.h"

namespace dev8::steps {

// `vscode-settings` (DESIGN.md §4): adds the managed editor defaults and
// DEV8_VSCODE_SETTINGS to code-server's settings.json, only for keys the user
// has not set, keeping the rest of the file byte for byte. A key set to null in
// DEV8_VSCODE_SETTINGS drops that default. Runs whether code-server is on or not.
std::unique_ptr<Step> make_vscode_settings_step();

}  // namespace dev8::steps
