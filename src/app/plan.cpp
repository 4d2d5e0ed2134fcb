#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include "dev8/app/init.h"
#include "dev8/process/spawn.h"
#include "dev8/steps/step_runner.h"
#include "dev8/supervisor/builtin_services.h"

namespace dev8::app {
namespace {

std::string secret_line(const char* name, const std::optional<config::Secret>& secret) {
    return fmt::format("  {:<18} {}\n", name, secret ? "set (" + secret->source + ")" : "not set");
}

std::string probe_text(const supervisor::ReadyProbe& probe) {
    if (auto* tcp = std::get_if<supervisor::TcpProbe>(&probe))
        return fmt::format("tcp:{}", tcp->port);
    if (auto* http = std::get_if<supervisor::HttpProbe>(&probe)) return "http " + http->url;
    if (auto* ssh = std::get_if<supervisor::SshProbe>(&probe))
        return fmt::format("ssh handshake on :{}", ssh->port);
    return "when started";
}

// With init hooks, every service waits for them (and so for every step).
std::string service_line(const supervisor::ServiceSpec& spec, bool hooks) {
    auto after = spec.after_steps.empty() || hooks
                     ? std::string("every step")
                     : fmt::format("{}", fmt::join(spec.after_steps, ", "));
    return fmt::format("  {:<14} {}\n  {:<14} as {}, in {}, after {}, restart {}, ready {}{}\n",
                       spec.name, fmt::join(spec.command, " "), "", spec.user.name,
                       spec.cwd.empty() ? "the caller's directory" : spec.cwd, after,
                       supervisor::to_string(spec.restart), probe_text(spec.ready),
                       spec.essential ? ", essential" : "");
}

}  // namespace

std::string render_plan(const Setup& setup, const config::Environment& env,
                        const std::vector<std::string>& main_command) {
    const auto& c = setup.config;
    std::string out;
    out += fmt::format("developer: {} (uid {}, gid {}, home {})\n", c.developer.name,
                       c.developer.uid, c.developer.gid, c.developer.home);
    out += fmt::format("workspace: {}\nstate dir: {}\nstop timeout: {:.1f} s\n", c.workspace,
                       c.state_dir, static_cast<double>(c.stop_timeout.count()) / 1000.0);
    out += fmt::format("github: {} (API {})\n", c.github_host, c.github_api_url);
    if (c.secrets.github_token || c.secrets.github_token_file) {
        out += fmt::format("token check: every {:.0f} s after start-up{}\n",
                           static_cast<double>(c.token_refresh_interval.count()) / 1000.0,
                           !c.secrets.github_token_file ? ""
                           : c.secrets.github_token
                               ? ", re-reading GITHUB_TOKEN_FILE when it changes"
                               : "; GITHUB_TOKEN_FILE is empty: its first token is "
                                 "checked and handed on when it is written");
    }
    if (c.idle_timeout.count() > 0) {
        auto warning = std::min(c.idle_warning, c.idle_timeout);
        out += fmt::format(
            "idle stop: after {} without activity{}; then {}\n",
            config::format_duration(c.idle_timeout),
            warning.count() > 0 ? ", warning " + config::format_duration(warning) + " before" : "",
            c.idle_action == "exit" ? std::string("stop and exit 0")
                                    : "run DEV8_IDLE_ACTION (/bin/sh -c, as " +
                                          std::string(::geteuid() == 0 ? "root" : "this user") +
                                          ") and start the clock again");
    } else {
        out += "idle stop: off (DEV8_IDLE_TIMEOUT unset)\n";
    }
    out += "secrets:\n";
    out += secret_line("GITHUB_TOKEN", c.secrets.github_token);
    out += secret_line("SSH_PUBLIC_KEY", c.secrets.ssh_public_key);
    out += secret_line("SSH_PRIVATE_KEY", c.secrets.ssh_private_key);
    out += secret_line("ANTHROPIC_API_KEY", c.secrets.anthropic_api_key);
    out += secret_line("OPENAI_API_KEY", c.secrets.openai_api_key);
    out += secret_line("PASSWORD", c.secrets.password);
    out += secret_line("HASHED_PASSWORD", c.secrets.hashed_password);
    out += "steps:\n";
    auto steps = steps::default_steps(c);
    bool hooks = std::ranges::any_of(
        steps, [](const auto& step) { return step->name().starts_with("hook:"); });
    if (steps.empty()) out += "  (none)\n";
    for (const auto& step : steps) out += fmt::format("  {:<16} {}\n", step->name(), step->plan(c));
    out += "services:\n";
    auto builtins =
        supervisor::builtin_services(c, {.uid = ::getuid(),
                                         .path = env.get("PATH").value_or(process::kDefaultPath),
                                         .on_host_keys = {}});
    for (const auto& builtin : builtins) {
        if (builtin.spec)
            out += service_line(*builtin.spec, hooks) +
                   fmt::format("  {:<14} {}\n", "", builtin.detail);
        else
            out += fmt::format("  {:<14} disabled: {}\n", builtin.name, builtin.disabled_reason);
        for (const auto& line : {builtin.warning, builtin.error})
            if (line) out += "warning: " + *line + "\n";
    }
    for (const auto& spec : setup.services) out += service_line(spec, hooks);
    if (!main_command.empty()) {
        out += fmt::format(
            "  {:<14} {}\n  {:<14} as {}, in the caller's directory; its exit stops the "
            "container\n",
            "main", fmt::join(main_command, " "), "", c.developer.name);
    }
    for (const auto& warning : c.warnings) out += "warning: " + warning + "\n";
    return out;
}

}  // namespace dev8::app
