#include "dev8/steps/github_auth.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dev8/credentials/git_credential.h"
#include "dev8/credentials/hand_off.h"
#include "dev8/github/api.h"

namespace dev8::steps {
namespace {

struct GithubAuthWork {
    std::string token;
    std::string api_url;
    std::string credential_file;
    bool gh_installed = false;
};

class GithubAuthStep final : public DecidedStep<GithubAuthWork> {
  public:
    std::string_view name() const override { return "github-auth"; }
    Lane lane() const override { return Lane::Network; }

  protected:
    std::expected<GithubAuthWork, std::string> decide(const config::Config& config) const override {
        if (!config.secrets.github_token) return std::unexpected("GITHUB_TOKEN not set");
        return GithubAuthWork{
            .token = config.secrets.github_token->value,
            .api_url = config.github_api_url,
            .credential_file = credentials::credential_path(config.developer.home),
            .gh_installed = process::find_command("gh").has_value(),
        };
    }

    std::string describe(const GithubAuthWork& work) const override {
        return fmt::format("validate the token (GET {}/user), store it for git in {}, log gh in{}",
                           work.api_url, work.credential_file,
                           work.gh_installed ? "" : " (gh not installed: skipped)");
    }

    StepResult carry_out(StepContext& context, const GithubAuthWork& work) override {
        auto check = github::check_token(work.api_url, work.token, context.stop);
        if (context.token_status) context.token_status->record(check);
        if (check.state == github::TokenState::Invalid ||
            check.state == github::TokenState::Expired) {
            return StepResult::failed(check.detail);
        }
        credentials::HandOff hand_off(context.config, context.reaper);
        if (check.state != github::TokenState::Valid) {
            if (auto stored = hand_off.to_git(work.token, check); !stored)
                return StepResult::failed(stored.error());
            return StepResult::failed(check.detail + "; token stored for git, gh not logged in");
        }
        auto handed = hand_off.to_git_and_gh(work.token, check, context.stop);
        auto scopes = check.scopes.empty() ? std::string("fine-grained")
                                           : fmt::format("{}", fmt::join(check.scopes, ", "));
        auto message = fmt::format("{} (scopes: {}); {}", check.detail, scopes,
                                   handed ? *handed : handed.error());
        return handed ? StepResult::ok(message) : StepResult::failed(message);
    }
};

}  // namespace

std::unique_ptr<Step> make_github_auth_step() {
    return std::make_unique<GithubAuthStep>();
}

}  // namespace dev8::steps
