#pragma once

#include <memory>

#include "dev8/steps/step.h"

namespace dev8::steps {

// The `dotfiles` step of DESIGN.md §4, first of the final lane: clone
// DEV8_DOTFILES_REPO as the developer (git's credential helper gives the
// token), or fetch and fast-forward a clone with no changes of its own; then,
// when the commit or the install changed since the last start, run
// DEV8_DOTFILES_INSTALL, or the first install script of Codespaces' list, by
// the developer's login shell in the clone's folder, or else link the
// clone's top-level dotfiles into the home, moving aside what differs.
std::unique_ptr<Step> make_dotfiles_step();

}  // namespace dev8::steps
