#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dev8/ssh/keys.h"
#include "dev8/steps/step.h"

namespace dev8::steps {

// The `ssh-keys` init step (DESIGN.md §4): SSH_PUBLIC_KEY into a managed
// block of ~/.ssh/authorized_keys, SSH_PRIVATE_KEY to ~/.ssh/id_<type>.
std::unique_ptr<Step> make_ssh_keys_step();

// A line of SSH_PUBLIC_KEY that is not a valid key: its number and why,
// never its content (a secret pasted by mistake must not reach a log).
struct RejectedLine {
    size_t number;  // from 1
    std::string reason;
};

struct PublicKeyList {
    std::vector<ssh::PublicKey> keys;
    std::vector<RejectedLine> rejected;
};

// SSH_PUBLIC_KEY validated line by line; blank lines and `#` comments are
// neither keys nor errors.
PublicKeyList parse_public_key_list(std::string_view text);

inline constexpr std::string_view kManagedBlockBegin = "# >>> dev8-init managed keys >>>";
inline constexpr std::string_view kManagedBlockEnd = "# <<< dev8-init managed keys <<<";

struct AuthorizedKeys {
    std::string text;
    size_t managed = 0;          // keys inside the managed block
    size_t already_present = 0;  // keys left out of it: the user has them outside
    bool unterminated_block = false;
};

// authorized_keys for this start: the managed block of `current` replaced by
// one holding `keys` (in place, or appended when there is none), every line
// outside it kept byte for byte. With no key left to put in it the block is
// removed, so a key taken out of SSH_PUBLIC_KEY is revoked. A begin marker
// without an end marker manages everything after it: revocation wins over
// keeping lines whose status is unknown.
AuthorizedKeys render_authorized_keys(std::string_view current,
                                      const std::vector<ssh::PublicKey>& keys);

}  // namespace dev8::steps
