#pragma once

#include <memory>

#include "dev8/steps/step.h"

namespace dev8::steps {

// github-auth: validates the token, then hands it to git and gh through
// credentials::HandOff (DESIGN.md §4).
std::unique_ptr<Step> make_github_auth_step();

}  // namespace dev8::steps
