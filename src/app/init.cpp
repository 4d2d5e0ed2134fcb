#include "dev8/app/init.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <thread>

#include "dev8/activity/monitor.h"
#include "dev8/app/pid1.h"
#include "dev8/credentials/hand_off.h"
#include "dev8/github/token_refresher.h"
#include "dev8/loop/event_loop.h"
#include "dev8/loop/file_watch.h"
#include "dev8/process/memory.h"
#include "dev8/process/reaper.h"
#include "dev8/process/spawn.h"
#include "dev8/status/status.h"
#include "dev8/status/status_server.h"
#include "dev8/steps/relayed_command.h"
#include "dev8/steps/step_runner.h"
#include "dev8/supervisor/builtin_services.h"
#include "dev8/supervisor/services_dir.h"
#include "dev8/supervisor/supervisor.h"

namespace dev8::app {
namespace {

// What no child inherits (DESIGN.md §11): the private key is on disk once
// the ssh-keys step ran; code-server alone gets its password, through the
// environment of its own start.
const char* const kWithheld[] = {"SSH_PRIVATE_KEY", "SSH_PRIVATE_KEY_FILE", "PASSWORD",
                                 "HASHED_PASSWORD", "PASSWORD_FILE",        "HASHED_PASSWORD_FILE"};

std::map<std::string, std::string> child_base_env(const config::Environment& env) {
    auto vars = env.vars();
    for (const char* name : kWithheld) vars.erase(name);
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

// Wires the modules together for one run: the event loop, PID 1's duties,
// the supervisor, the init steps, the token refresh and the status socket.
class Init {
  public:
    Init(const Setup& setup, const config::Environment& env, std::vector<std::string> main_command)
        : config_(setup.config),
          services_(setup.services),
          env_(env),
          token_status_(config_.secrets.github_token.has_value()),
          processes_(loop_, reaper_, ::getpid() == 1),
          supervisor_(processes_,
                      {.stop_timeout = config_.stop_timeout, .base_env = child_base_env(env)}),
          pid1_(processes_, supervisor_, config_.stop_timeout,
                {.stopping = [this] { stop_workers(); },
                 .reload = [this] { reload_secrets(); },
                 .finished =
                     [this](int code) {
                         exit_code_ = exit_override_.value_or(code);
                         loop_.stop();
                     }}),
          steps_(steps::default_steps(config_)),
          hand_off_(config_, reaper_),
          status_server_(
              loop_, [this] { return snapshot(); }, [this] { release_pages_after_answers(); }),
          main_command_(std::move(main_command)) {}

    int run() {
        loop_.on_error([](std::string_view where, std::string_view what) {
            spdlog::error("internal error in {}: {}; carrying on", where, what);
        });
        try {
            supervise();
        } catch (const std::exception& e) {
            spdlog::critical("the event loop cannot go on ({}): stopping everything", e.what());
            stop_workers();
            pid1_.stop_without_loop();
            exit_code_ = 1;
        }
        finish_workers();
        spdlog::info("exiting with code {}", exit_code_);
        return exit_code_;
    }

  private:
    void supervise() {
        announce();
        pid1_.watch_signals(loop_);
        auto socket = config_.state_dir + "/status.sock";
        if (auto listening = status_server_.listen(socket, config_.developer.gid); !listening) {
            spdlog::warn(
                "status socket unavailable ({}); `dev8-init status` and `health` will not answer",
                listening.error());
        }
        add_builtin_services();
        for (const auto& spec : services_) supervisor_.add(spec);
        if (!main_command_.empty()) supervisor_.add(main_spec(config_, main_command_));
        steps_.start(config_, reaper_, token_status_,
                     {.on_step_done =
                          [this](std::string_view) {
                              loop_.post([this] { start_services_whose_steps_ended(); });
                          },
                      .on_done = [this] { loop_.post([this] { init_finished(); }); }});
        loop_.run();
    }

    void announce() {
        spdlog::info("dev8-init {} starting as pid {} (developer {}, state dir {})", DEV8_VERSION,
                     ::getpid(), config_.developer.name, config_.state_dir);
        for (const auto& warning : config_.warnings) spdlog::warn("{}", warning);
        become_reaper();
    }

    void add_builtin_services() {
        supervisor::BuiltinOptions options{
            .uid = ::getuid(),
            .path = env_.get("PATH").value_or(process::kDefaultPath),
            .on_host_keys = [this](std::vector<std::string> fingerprints) {
                host_key_fingerprints_ = std::move(fingerprints);
            }};
        for (auto& builtin : supervisor::builtin_services(config_, options)) {
            if (builtin.info) spdlog::info("{}", *builtin.info);
            if (builtin.warning) spdlog::warn("{}", *builtin.warning);
            if (builtin.error) spdlog::error("{}", *builtin.error);
            if (builtin.spec)
                supervisor_.add(std::move(*builtin.spec));
            else
                supervisor_.add_disabled(builtin.name, builtin.disabled_reason);
        }
    }

    // sshd and code-server need only some steps: they start as soon as those
    // have ended, while GitHub and git may still be at work.
    void start_services_whose_steps_ended() {
        if (init_done_ || pid1_.stopping()) return;
        // Init hooks run before every service: they may prepare what one needs.
        if (hooks_pending()) return;
        supervisor_.start_where([this](const supervisor::ServiceSpec& spec) {
            return !spec.after_steps.empty() &&
                   std::ranges::all_of(spec.after_steps,
                                       [this](const auto& step) { return steps_.ended(step); });
        });
    }

    bool hooks_pending() const {
        return std::ranges::any_of(steps_.reports(), [](const steps::StepReport& step) {
            return step.name.starts_with("hook:") && (step.state == steps::StepState::Pending ||
                                                      step.state == steps::StepState::Running);
        });
    }

    void init_finished() {
        init_done_ = true;
        steps_.join();
        if (pid1_.stopping()) return;
        if (auto failed = steps_.essential_failure()) {
            spdlog::error("{} failed ({}): it is essential, so start-up stops (exit 1)",
                          failed->name, failed->message);
            exit_override_ = 1;
            pid1_.stop();
            return;
        }
        supervisor_.start_all();
        start_token_refresh();
        start_idle_stop();
        auto released = process::release_code_pages();
        spdlog::debug("released {} KiB of start-up code from memory", released / 1024);
    }

    // DESIGN.md §6, once the services run. When github-auth succeeded, git
    // and gh already hold the token; otherwise the first valid check hands it on.
    void start_token_refresh() {
        const auto& token = config_.secrets.github_token;
        const auto& file = config_.secrets.github_token_file;
        if (!token && !file) return;
        auto interval = config_.token_refresh_interval;
        github::RefreshSettings settings{
            .api_url = config_.github_api_url,
            .interval = interval,
            .token = token ? token->value : "",
            .token_file = file,
            .token_applied = steps_.state_of("github-auth") == steps::StepState::Ok};
        refresher_.emplace(std::move(settings), token_status_,
                           [this](const std::string& value, const github::TokenCheck& check,
                                  std::stop_token stop) {
                               return hand_off_.rotate_token(value, check, std::move(stop));
                           });
        refresher_->start();
        // A token written or rotated in the file is looked at now, not at the next tick.
        if (file) {
            token_file_watch_.emplace(loop_, *file, [this] { refresher_->check_now(); });
            if (!token_file_watch_->watching())
                spdlog::warn("GITHUB_TOKEN_FILE cannot be watched; it is re-read at each check");
        }
        spdlog::info("checking the GitHub token every {:.0f} s{}",
                     static_cast<double>(interval.count()) / 1000.0,
                     config_.secrets.github_token_file ? " (re-reading GITHUB_TOKEN_FILE)" : "");
    }

    // DESIGN.md §3 DEV8_IDLE_TIMEOUT: nothing of it exists while it is off.
    void start_idle_stop() {
        if (config_.idle_timeout.count() <= 0) return;
        activity::MonitorSettings settings{
            .idle = {.timeout = config_.idle_timeout, .warning = config_.idle_warning},
            .cpu_percent = config_.idle_cpu_percent,
            .developer_uid = config_.developer.uid,
            .heartbeat_path = running("code-server") ? code_server_heartbeat() : "",
            .ssh_port = running("sshd") ? std::optional(config_.ssh_port) : std::nullopt,
            .keepalive_path = config_.state_dir + "/keepalive.sock",
            .socket_gid = config_.developer.gid,
        };
        activity_.emplace(
            loop_, std::move(settings),
            activity::MonitorHooks{.service_pids = [this] { return service_pids(); },
                                   .idle = [this](const std::string& reason) { on_idle(reason); }});
        activity_->start();
    }

    bool running(std::string_view service) const {
        for (const auto& report : supervisor_.reports())
            if (report.name == service) return report.state != supervisor::ServiceState::Disabled;
        return false;
    }

    // Where code-server touches its heartbeat while a browser is connected.
    std::string code_server_heartbeat() const {
        auto data = env_.get("XDG_DATA_HOME");
        auto base =
            data && data->starts_with('/') ? *data : config_.developer.home + "/.local/share";
        return base + "/code-server/heartbeat";
    }

    // The services' own processes, not the main command's: its CPU is the
    // developer's work.
    std::set<pid_t> service_pids() const {
        std::set<pid_t> pids;
        for (const auto& report : supervisor_.reports())
            if (report.pid && report.name != "main") pids.insert(*report.pid);
        return pids;
    }

    void on_idle(const std::string& reason) {
        if (pid1_.stopping()) return;
        if (config_.idle_action == "exit") {
            spdlog::info("{}: stopping", reason);
            exit_override_ = 0;  // a workspace stopped for being idle did not fail
            pid1_.stop();
            return;
        }
        spdlog::info("{}: running DEV8_IDLE_ACTION", reason);
        run_idle_action();
    }

    // DEV8_IDLE_ACTION's command, off the loop thread: /bin/sh -c as
    // ourselves, with PID 1's environment less what no child gets; its
    // output reaches the log through the redactor. The clock starts again.
    void run_idle_action() {
        using namespace std::chrono_literals;
        if (idle_action_busy_) return;
        idle_action_busy_ = true;
        idle_action_ = std::jthread([this](std::stop_token stop) {
            process::CommandRunner runner(fs::own_account(), reaper_, std::move(stop));
            auto ran = steps::run_relayed(runner, {"/bin/sh", "-c", config_.idle_action},
                                          child_base_env(env_), 300s, "idle-action");
            auto outcome = ran ? std::string("exited with code 0") : "failed (" + ran.error() + ")";
            loop_.post([this, outcome] {
                spdlog::info("DEV8_IDLE_ACTION {}; the idle clock starts again", outcome);
                if (activity_ && !pid1_.stopping()) activity_->restart();
            });
            idle_action_busy_ = false;
        });
    }

    void stop_workers() {
        steps_.request_stop();
        if (refresher_) refresher_->request_stop();
        if (idle_action_.joinable()) idle_action_.request_stop();
    }

    // A worker may still wait for a child it ran (gh, git) when the loop has
    // ended: reap here until the workers are done, then join them.
    void finish_workers() {
        using namespace std::chrono_literals;
        stop_workers();
        while (steps_.busy() || (refresher_ && refresher_->busy()) || idle_action_busy_) {
            reaper_.reap();
            std::this_thread::sleep_for(5ms);
        }
        refresher_.reset();
    }

    // A health check every few seconds must not keep the JSON and formatting
    // code resident between checks, but a client asking many times a second
    // must not pay for dropping and faulting it back each time: the pages go
    // once the answers have stopped for a moment.
    void release_pages_after_answers() {
        using namespace std::chrono_literals;
        if (release_timer_) loop_.cancel(*release_timer_);
        release_timer_ = loop_.after(100ms, [this] {
            release_timer_.reset();
            process::release_code_pages();
        });
    }

    // SIGHUP: every NAME_FILE secret is read again and redacted from now on;
    // the token is checked at once, and new AI keys reach the shells' env
    // file. Files in the home are written off the loop thread.
    void reload_secrets() {
        spdlog::info("received SIGHUP: re-reading secret files");
        auto reloaded = config::reload_secret_files(env_);
        for (const auto& e : reloaded.errors) spdlog::warn("{}: {}", e.variable, e.message);
        if (refresher_) refresher_->check_now();
        auto key = [&reloaded](const char* name) -> std::optional<config::Secret> {
            auto it = reloaded.values.find(name);
            if (it == reloaded.values.end()) return std::nullopt;
            return it->second;
        };
        auto anthropic = key("ANTHROPIC_API_KEY");
        auto openai = key("OPENAI_API_KEY");
        if (!anthropic && !openai) return;
        key_writer_ = std::jthread([this, anthropic, openai] {
            auto updated = hand_off_.update_ai_keys(anthropic, openai);
            if (!updated)
                spdlog::warn("new AI keys not handed on: {}", updated.error());
            else
                spdlog::info("{}", *updated);
        });
    }

    status::Snapshot snapshot() const {
        bool ready = supervisor_.ready();
        bool stopping = pid1_.stopping();
        return {
            .phase = stopping      ? status::Phase::Stopping
                     : !init_done_ ? status::Phase::Init
                     : ready       ? status::Phase::Running
                                   : status::Phase::Starting,
            .healthy = init_done_ && ready && !stopping,
            .uptime_s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(),
            .orphans_reaped = reaper_.orphans_reaped(),
            .steps = steps_.reports(),
            .services = supervisor_.reports(),
            .github = token_status_.report(),
            .host_key_fingerprints = host_key_fingerprints_,
            .activity = activity_ ? activity_->report() : activity::ActivityReport{},
            .pid = ::getpid(),
            .version = DEV8_VERSION,
        };
    }

    const config::Config& config_;
    const std::vector<supervisor::ServiceSpec>& services_;
    const config::Environment& env_;
    loop::EventLoop loop_;
    process::Reaper reaper_;
    github::TokenStatus token_status_;
    LiveProcesses processes_;
    supervisor::Supervisor supervisor_;
    Pid1 pid1_;
    steps::StepRunner steps_;
    credentials::HandOff hand_off_;
    status::StatusServer status_server_;
    std::vector<std::string> main_command_;
    std::vector<std::string> host_key_fingerprints_;
    std::optional<github::TokenRefresher> refresher_;
    std::optional<loop::EventLoop::TimerId> release_timer_;
    std::optional<loop::FileWatch> token_file_watch_;
    std::jthread key_writer_;
    std::optional<activity::ActivityMonitor> activity_;
    std::jthread idle_action_;
    std::atomic<bool> idle_action_busy_{false};
    std::optional<int> exit_override_;
    bool init_done_ = false;
    int exit_code_ = 0;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace

std::expected<Setup, std::vector<config::ConfigError>> load_setup(
    const config::Environment& env, const config::LoadOptions& options) {
    auto loaded = config::load_config(env, options);
    auto dir = supervisor::load_services_dir(loaded.config, options.accounts, options.uid == 0);
    auto errors = std::move(loaded.errors);
    errors.insert(errors.end(), dir.errors.begin(), dir.errors.end());
    if (!errors.empty()) return std::unexpected(std::move(errors));
    return Setup{std::move(loaded.config), std::move(dir.services)};
}

int run(const Setup& setup, const config::Environment& env, std::vector<std::string> main_command) {
    return Init(setup, env, std::move(main_command)).run();
}

}  // namespace dev8::app
