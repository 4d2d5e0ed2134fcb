#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "dev8/activity/keepalive.h"
#include "dev8/app/init.h"
#include "dev8/config/config.h"
#include "dev8/credentials/git_credential.h"
#include "dev8/fs/accounts.h"
#include "dev8/log/logging.h"
#include "dev8/process/signals.h"
#include "dev8/status/status_client.h"

namespace {

using namespace dev8;

constexpr int kExitConfig = 78;
constexpr int kExitNoSupervisor = 2;
constexpr int kExitUsage = 64;

const char* const kDescription =
    "dev8-init: the PID 1 of Dev8 development containers.\n"
    "It prepares the developer's account, supervises sshd, code-server and the\n"
    "services in DEV8_SERVICES_DIR, reaps zombies and stops everything cleanly.\n"
    "Configuration comes from the environment (see README.md).";

const char* const kFooter =
    "\nExamples:\n"
    "  ENTRYPOINT [\"dev8-init\"]                 supervise the workspace\n"
    "  dev8-init -- bash -l                     ...and run a main command; its exit code is ours\n"
    "  dev8-init plan                           show what would run, secrets redacted\n"
    "  HEALTHCHECK CMD [\"dev8-init\", \"health\"]  0 healthy, 1 unhealthy, 2 no supervisor\n"
    "  dev8-init health --live                  liveness: 0 while PID 1 answers, 2 when not\n"
    "  dev8-init status --json                  steps, services, token, host keys\n"
    "  dev8-init keepalive --for 2h             hold off the idle stop for two hours\n";

// Everything after the first "--" is the main command, untouched by CLI11.
std::vector<std::string> split_main_command(int argc, char** argv, std::vector<std::string>& ours) {
    std::vector<std::string> command;
    bool after = false;
    for (int i = 1; i < argc; ++i) {
        if (!after && std::string_view(argv[i]) == "--") {
            after = true;
            continue;
        }
        (after ? command : ours).emplace_back(argv[i]);
    }
    return command;
}

std::expected<app::Setup, int> load(const config::Environment& env, bool create_state_dir) {
    auto options = config::process_load_options();
    options.create_state_dir = create_state_dir;
    auto loaded = app::load_setup(env, options);
    if (loaded) return std::move(*loaded);
    for (const auto& e : loaded.error())
        spdlog::error("invalid configuration: {}: {}", e.variable, e.message);
    spdlog::error("{} configuration error{}; nothing was started (exit {})", loaded.error().size(),
                  loaded.error().size() == 1 ? "" : "s", kExitConfig);
    return std::unexpected(kExitConfig);
}

enum class Query { Status, Health, Live };

int query_status(const config::Environment& env, Query query, bool json = false) {
    auto doc = status::query(config::state_dir_candidates(env, ::getuid()));
    if (!doc) {
        std::cerr << "dev8-init: no supervisor reachable (" << doc.error() << ")\n";
        return kExitNoSupervisor;
    }
    if (query == Query::Live) {
        std::cout << "alive (phase " << doc->value("phase", "?") << ")\n";
        return 0;
    }
    if (query == Query::Health) {
        bool healthy = doc->value("healthy", false);
        std::string degraded;
        if (auto list = doc->find("degraded"); list != doc->end() && list->is_array())
            for (const auto& item : *list)
                if (item.is_string())
                    degraded += (degraded.empty() ? "" : ", ") + item.get<std::string>();
        std::cout << (healthy ? "healthy" : "unhealthy") << " (phase " << doc->value("phase", "?")
                  << (degraded.empty() ? "" : "; degraded: " + degraded) << ")\n";
        return healthy ? 0 : 1;
    }
    std::cout << (json ? log::json_text(*doc, 2) + "\n" : status::render_text(*doc));
    return 0;
}

// Activity for the idle stop, now and for `hold_for` more. With the idle
// stop off there is no keepalive socket: fine, as long as a supervisor answers.
int keepalive(const config::Environment& env, const std::string& hold_for) {
    activity::KeepaliveRequest request;
    if (!hold_for.empty()) {
        auto hold = config::parse_duration(hold_for);
        if (!hold) {
            std::cerr << "dev8-init keepalive: --for \"" << hold_for
                      << "\" must be seconds or a duration like 30m, 2h or 1h30m\n";
            return kExitUsage;
        }
        request.hold = *hold;
    }
    auto dirs = config::state_dir_candidates(env, ::getuid());
    if (activity::send_keepalive(dirs, request)) {
        std::cout << (request.hold.count() > 0 ? "the workspace counts as active for " +
                                                     config::format_duration(request.hold) + "\n"
                                               : std::string("activity recorded\n"));
        return 0;
    }
    auto doc = status::query(dirs);
    if (!doc) {
        std::cerr << "dev8-init: no supervisor reachable (" << doc.error() << ")\n";
        return kExitNoSupervisor;
    }
    std::cout << "the idle stop is off (DEV8_IDLE_TIMEOUT unset): nothing to keep alive\n";
    return 0;
}

// git runs the helper as the developer: the token file is in that user's home.
int serve_git_credential(const config::Environment& env, const std::string& action) {
    auto account = fs::find_account(::getuid());
    auto home = account ? account->home : env.get("HOME").value_or("/");
    return credentials::serve_git_credential(action, std::cin, std::cout, home);
}

}  // namespace

// No exception ends PID 1 through std::terminate: what escapes everything
// else is logged, and the exit code says it failed.
int main(int argc, char** argv) try {
    // Before anything else, and before any thread: signals are read from a signalfd only.
    process::block_all_signals();
    auto env = config::Environment::from_process();
    auto [format, level] = config::logging_settings(env);
    log::setup(format, level);

    std::vector<std::string> args;
    auto main_command = split_main_command(argc, argv, args);

    CLI::App app(kDescription, "dev8-init");
    app.footer(kFooter);
    app.set_version_flag("--version", std::string("dev8-init ") + DEV8_VERSION);
    app.require_subcommand(0, 1);
    auto* run = app.add_subcommand(
        "run", "Supervise the container (the default); -- CMD ARGS runs a main command");
    auto* plan =
        app.add_subcommand("plan", "Print the steps and services that would run; runs nothing");
    auto* health = app.add_subcommand(
        "health",
        "Readiness: exit 0 when init is done and the built-in and essential services are ready, "
        "1 when not, 2 when no supervisor answers");
    bool live = false;
    health->add_flag("--live", live,
                     "Liveness instead: exit 0 while PID 1 and its event loop answer, 2 when not");
    auto* status_cmd = app.add_subcommand("status", "Show the running supervisor's state");
    bool json = false;
    status_cmd->add_flag("--json", json, "Print the status document as JSON");
    auto* keepalive_cmd = app.add_subcommand(
        "keepalive", "Count as activity for the idle stop (DEV8_IDLE_TIMEOUT), now or for a while");
    std::string hold_for;
    keepalive_cmd->add_option("--for", hold_for,
                              "Keep counting as active for this long (90, 30m, 2h, 1h30m)");
    auto* version = app.add_subcommand("version", "Print the version");
    auto* credential = app.add_subcommand(
        "git-credential", "git credential helper serving the GitHub token (get|store|erase)");
    std::string credential_action;
    credential->add_option("action", credential_action, "git's helper action")
        ->required()
        ->check(CLI::IsMember({"get", "store", "erase"}));

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        if (app.exit(e) == 0) return 0;  // --help, --version
        if (dynamic_cast<const CLI::ExtrasError*>(&e) && !args.empty() &&
            !args[0].starts_with('-')) {
            std::cerr << "To run a program as the main process, put it after --: dev8-init -- "
                      << args[0] << "\n";
        }
        return kExitUsage;
    }

    if (*version) {
        std::cout << "dev8-init " << DEV8_VERSION << "\n";
        return 0;
    }
    if (*credential) return serve_git_credential(env, credential_action);
    if (*health) return query_status(env, live ? Query::Live : Query::Health);
    if (*status_cmd) return query_status(env, Query::Status, json);
    if (*keepalive_cmd) return keepalive(env, hold_for);
    if (*plan) {
        auto setup = load(env, false);
        if (!setup) return setup.error();
        std::cout << app::render_plan(*setup, env, main_command);
        return 0;
    }
    (void)run;
    auto setup = load(env, true);
    if (!setup) return setup.error();
    log::setup(setup->config.log_format, setup->config.log_level);
    return app::run(*setup, env, std::move(main_command));
} catch (const std::exception& e) {
    spdlog::critical("dev8-init failed: {}", e.what());
    return 1;
} catch (...) {
    spdlog::critical("dev8-init failed: an exception of unknown type");
    return 1;
}
