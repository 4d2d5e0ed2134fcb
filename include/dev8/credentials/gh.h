#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "dev8/github/api.h"
#include "dev8/process/user_command.h"

namespace dev8::credentials {

// Logs gh in to `host` with `token`, as the user `gh` runs as: nothing when
// gh already holds this token, else `gh auth login --with-token` (token on
// stdin, GH_HOST for HOST:PORT). A token gh's own login refuses for lacking
// read:org is written into gh's hosts.yml the way its login would have. The
// calling thread must act as that user; the value says what was done.
std::expected<std::string, std::string> log_gh_in(const process::CommandRunner& gh,
                                                  const std::string& home, const std::string& host,
                                                  const github::TokenCheck& check,
                                                  const std::string& token);

// The token gh's hosts.yml holds for `host` (the `oauth_token` of its block),
// or "" when it holds none there (not logged in, or gh keeps it in a keyring).
std::string gh_host_token(std::string_view hosts_yml, const std::string& host);

// gh's hosts.yml with `host` set to this token and login, every other host's
// block kept as it was.
std::string with_gh_host(std::string_view hosts_yml, const std::string& host,
                         const std::string& login, const std::string& token);

}  // namespace dev8::credentials
