#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dev8/steps/step.h"

namespace dev8::steps {

// Where a hook comes from: the image (DEV8_INIT_DIR, run as dev8-init's own
// user, root in an image) or the developer (~/.config/dev8/init.d, run as
// the developer).
enum class HookOwner { Image, Developer };

// The init hooks of DESIGN.md §4, as steps `hook:NAME` of the final lane:
// every executable regular file of DEV8_INIT_DIR in name order, then of the
// developer's ~/.config/dev8/init.d. Names starting with "." are passed over.
std::vector<std::unique_ptr<Step>> hook_steps(const config::Config& config);

// Why the file at `path` must not run as a hook of `owner`, or nullopt: a
// hook, its folder or (for the image's) a folder above it that anyone but
// root (and, for the developer's, the developer) may change, the way sshd's
// StrictModes refuses such files. A world-writable folder with the sticky
// bit, like /tmp, is fine above the hook's own folder.
std::optional<std::string> unsafe_hook(const std::string& path, HookOwner owner,
                                       uid_t developer_uid);

}  // namespace dev8::steps
