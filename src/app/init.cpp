#include "dev8/app/init.h"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <thread>

#include "dev8/app/builtin_services.h"
#include "dev8/app/event_loop.h"
#include "dev8/github/token_refresher.h"
#include "dev8/process/identity.h"
#include "dev8/process/memory.h"
#include "dev8/process/reaper.h"
#include "dev8/process/signals.h"
#include "dev8/process/spawn.h"
#include "dev8/status/status_server.h"
#include "dev8/steps/ai_tools.h"
#include "dev8/steps/github_auth.h"
#include "dev8/steps/step_runner.h"
#include "dev8/supervisor/supervisor.h"

namespace dev8::app {
namespace {

// Variables only code-server may see (DESIGN.md §3).
const char* const kCodeServerOnly[] = {"PASSWORD", "HASHED_PASSWORD", "PASSWORD_FILE",
                                       "HASHED_PASSWORD_FILE"};

std::map<std::string, std::string> child_base_env(const config::Environment& env) {
    auto vars = env.vars();
    for (const char* name : kCodeServerOnly) vars.erase(name);
    return vars;
}

supervisor::ServiceSpec main_spec(const config::Config& config, std::vector<std::string> command) {
    supervisor::ServiceSpec spec;
    spec.name = "main";
    spec.command = std::move(command);
    spec.user = config.developer;
    spec.restart = supervisor::RestartPolicy::Never;
    spec.is_main = true;
    return spec;
}

class Init {
  public:
    Init(const config::Config& config, const config::Environment& env,
         std::vector<std::string> main_command)
        : config_(config),
          env_(env),
          token_status_(config.secrets.github_token.has_value()),
          supervisor_(loop_, reaper_,
                      {.stop_timeout = config.stop_timeout,
                       .pid1 = ::getpid() == 1,
                       .base_env = child_base_env(env)}),
          steps_(steps::default_steps()),
          // A health check every 30 s must not keep the JSON and formatting
          // code resident between checks.
          status_server_(
              loop_, [this] { return snapshot(); }, [] { process::release_code_pages(); }),
          main_command_(std::move(main_command)) {}

    int run() {
        announce();
        signal_fd_ = process::open_signalfd();
        loop_.watch(signal_fd_.get(), EPOLLIN, [this](uint32_t) { read_signals(); });
        auto socket = config_.state_dir + "/status.sock";
        if (auto listening = status_server_.listen(socket, config_.developer.gid); !listening) {
            spdlog::warn(
                "status socket unavailable ({}); `dev8-init status` and `health` will not answer",
                listening.error());
        }
        add_builtin_services();
        for (const auto& spec : config_.services) supervisor_.add(spec);
        if (!main_command_.empty()) supervisor_.add(main_spec(config_, main_command_));
        supervisor_.on_stopping([this] { stop_workers(); });
        supervisor_.on_finished([this](int code) {
            exit_code_ = code;
            loop_.stop();
        });
        steps_.start(config_, reaper_, token_status_,
                     [this] { loop_.post([this] { init_finished(); }); });
        loop_.run();
        finish_workers();
        spdlog::info("exiting with code {}", exit_code_);
        return exit_code_;
    }

  private:
    void announce() {
        spdlog::info("dev8-init {} starting as pid {} (developer {}, state dir {})", DEV8_VERSION,
                     ::getpid(), config_.developer.name, config_.state_dir);
        for (const auto& warning : config_.warnings) spdlog::warn("{}", warning);
        if (::getpid() == 1) return;
        if (process::become_subreaper()) {
            spdlog::warn(
                "not running as PID 1: registered as child subreaper, so orphans of the "
                "services are still reaped; use dev8-init as the container's ENTRYPOINT");
        } else {
            spdlog::warn(
                "not running as PID 1 and the kernel refused PR_SET_CHILD_SUBREAPER: "
                "orphans will not be reaped by dev8-init");
        }
    }

    void add_builtin_services() {
        BuiltinOptions options{.uid = ::getuid(),
                               .path = env_.get("PATH").value_or(process::kDefaultPath),
                               .on_host_keys = [this](std::vector<std::string> fingerprints) {
                                   host_key_fingerprints_ = std::move(fingerprints);
                               }};
        for (auto& builtin : builtin_services(config_, options)) {
            if (builtin.info) spdlog::info("{}", *builtin.info);
            if (builtin.warning) spdlog::warn("{}", *builtin.warning);
            if (builtin.error) spdlog::error("{}", *builtin.error);
            if (builtin.spec)
                supervisor_.add(std::move(*builtin.spec));
            else
                supervisor_.add_disabled(builtin.name, builtin.disabled_reason);
        }
    }

    void init_finished() {
        init_done_ = true;
        if (supervisor_.stopping()) return;
        supervisor_.start_all();
        start_token_refresh();
        auto released = process::release_code_pages();
        spdlog::debug("released {} KiB of start-up code from memory", released / 1024);
    }

    // DESIGN.md §6, once the services run.
    void start_token_refresh() {
        const auto& token = config_.secrets.github_token;
        if (!token) return;
        auto interval = config_.token_refresh_interval;
        github::RefreshSettings settings{.api_url = config_.github_api_url,
                                         .interval = interval,
                                         .token = token->value,
                                         .token_file = config_.secrets.github_token_file,
                                         .token_applied = github_auth_succeeded()};
        refresher_.emplace(
            std::move(settings), token_status_,
            [this](const std::string& value, const github::TokenCheck& check,
                   std::stop_token stop) { return hand_on_token(value, check, stop); });
        refresher_->start();
        spdlog::info("checking the GitHub token every {:.0f} s{}",
                     static_cast<double>(interval.count()) / 1000.0,
                     config_.secrets.github_token_file ? " (re-reading GITHUB_TOKEN_FILE)" : "");
    }

    // Then git and gh already hold the token; otherwise the first valid check
    // hands it on.
    bool github_auth_succeeded() const {
        for (const auto& step : steps_.statuses())
            if (step.name == "github-auth") return step.state == "ok";
        return false;
    }

    // A rotated token reaches git, gh and the shells' env file, written as
    // the developer, on the refresh thread.
    std::expected<std::string, std::string> hand_on_token(const std::string& token,
                                                          const github::TokenCheck& check,
                                                          std::stop_token stop) {
        auto rotated = config_;
        rotated.secrets.github_token = config::Secret{token, config_.secrets.github_token->source};
        process::ScopedFsIdentity as_developer(rotated.developer);
        steps::StepContext context{rotated, reaper_, stop, nullptr};
        auto handed = steps::hand_token_to_git_and_gh(context, check, token);
        if (!handed) return handed;
        if (auto env = steps::write_shell_env(rotated); !env) return std::unexpected(env.error());
        return *handed + "; env file updated";
    }

    void stop_workers() {
        steps_.request_stop();
        if (refresher_) refresher_->request_stop();
    }

    // A worker may still wait for a child it ran (gh, git) when the loop has
    // ended: reap here until the workers are done, then join them.
    void finish_workers() {
        using namespace std::chrono_literals;
        stop_workers();
        while (steps_.busy() || (refresher_ && refresher_->busy())) {
            reaper_.reap();
            std::this_thread::sleep_for(5ms);
        }
        refresher_.reset();
    }

    void read_signals() {
        signalfd_siginfo info;
        while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
            on_signal(static_cast<int>(info.ssi_signo));
        }
    }

    void on_signal(int sig) {
        switch (sig) {
            case SIGCHLD:
                supervisor_.reap();
                return;
            case SIGTERM:
            case SIGINT:
            case SIGQUIT:
                if (!supervisor_.stopping()) spdlog::info("received {}", process::signal_name(sig));
                supervisor_.stop(sig);
                return;
            case SIGTTIN:
            case SIGTTOU:
                return;
            case SIGHUP:
                reload_secrets();
                if (refresher_) refresher_->check_now();
                supervisor_.forward_to_main(sig);
                return;
            default:
                if (process::is_forwarded(sig)) supervisor_.forward_to_main(sig);
        }
    }

    void reload_secrets() {
        spdlog::info("received SIGHUP: re-reading secret files");
        for (const auto& e : config::reload_secret_files(env_)) {
            spdlog::warn("{}: {}", e.variable, e.message);
        }
    }

    status::Snapshot snapshot() const {
        status::Snapshot s;
        s.pid = ::getpid();
        s.version = DEV8_VERSION;
        s.uptime_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        s.orphans_reaped = reaper_.orphans_reaped();
        s.steps = steps_.statuses();
        s.services = supervisor_.statuses();
        bool ready = supervisor_.all_ready();
        s.phase = supervisor_.stopping() ? "stopping"
                  : !init_done_          ? "init"
                  : ready                ? "running"
                                         : "starting";
        s.healthy = init_done_ && ready && !supervisor_.stopping();
        s.github = token_status_.snapshot();
        s.degraded = token_status_.degraded();
        s.host_key_fingerprints = host_key_fingerprints_;
        return s;
    }

    const config::Config& config_;
    const config::Environment& env_;
    EventLoop loop_;
    process::Reaper reaper_;
    github::TokenStatus token_status_;
    supervisor::Supervisor supervisor_;
    steps::StepRunner steps_;
    status::StatusServer status_server_;
    std::vector<std::string> main_command_;
    std::vector<std::string> host_key_fingerprints_;
    std::optional<github::TokenRefresher> refresher_;
    fs::UniqueFd signal_fd_;
    bool init_done_ = false;
    int exit_code_ = 0;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

int run(const config::Config& config, const config::Environment& env,
        std::vector<std::string> main_command) {
    return Init(config, env, std::move(main_command)).run();
}

}  // namespace dev8::app
