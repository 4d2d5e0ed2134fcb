// services.d loading (supervisor::load_services_dir): any bytes in any file
// give a service or an error naming the file, never a crash or an exception.
//
// Input: up to four files, separated by NUL bytes, loaded in that order as
// root and as a user who cannot switch users.
//
// Invariants:
// - every file gives exactly one service or one error, and the error names
//   the file and reads back from a JSON log line unchanged (valid UTF-8);
// - a service obeys DESIGN.md §5 and §10: its name matches [a-z0-9][a-z0-9-]*,
//   is not reserved and not taken by an earlier file; its command is a
//   non-empty list with a non-empty program; cwd is absolute; the user is the
//   developer, or an account of /etc/passwd when dev8-init may switch users;
//   a tcp probe has a port, an http probe an http:// or https:// URL;
// - a service is what its file says, with the documented defaults for
//   what it leaves out.

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "dev8/log/logging.h"
#include "dev8/supervisor/services_dir.h"
#include "fuzz_input.h"

namespace {

using dev8::fuzz::check;
using Json = nlohmann::json;
namespace supervisor = dev8::supervisor;

constexpr size_t kMaxFiles = 4;

struct World {
    dev8::fuzz::ScratchDir scratch;
    dev8::fs::AccountFiles accounts;
    dev8::config::Config config;

    World() {
        accounts = scratch.write_accounts();
        config.developer = dev8::fs::find_account("dev8", accounts).value();
        config.workspace = scratch.path() + "/workspace";
        config.services_dir = scratch.path() + "/services.d";
        std::filesystem::create_directories(config.workspace);
        std::filesystem::create_directories(config.services_dir);
    }

    std::string file(size_t i) const {
        return config.services_dir + "/" + std::to_string(i) + ".json";
    }
};

bool matches_name_rule(const std::string& name) {
    if (name.empty() || name.front() == '-') return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return name != "main" && name != "sshd" && name != "code-server";
}

void check_error(const dev8::config::ConfigError& error, const std::string& path) {
    check(error.variable == path, "an error does not name its file", error.variable);
    check(!error.message.empty(), "an error without a message", path);
    auto line = Json::parse(dev8::log::json_text(Json{{"msg", error.message}}), nullptr, false);
    check(!line.is_discarded() && line["msg"] == error.message,
          "an error message does not survive a JSON log line", error.message);
}

void check_probe(const supervisor::ReadyProbe& probe, const Json& doc) {
    if (!doc.contains("ready")) {
        check(std::holds_alternative<std::monostate>(probe), "a probe nobody asked for");
        return;
    }
    const auto& ready = doc["ready"];
    if (const auto* tcp = std::get_if<supervisor::TcpProbe>(&probe)) {
        check(tcp->port >= 1 && ready.contains("tcp") && ready["tcp"] == tcp->port,
              "the tcp probe is not the file's port", ready.dump());
    } else if (const auto* http = std::get_if<supervisor::HttpProbe>(&probe)) {
        check(http->url.starts_with("http://") || http->url.starts_with("https://"),
              "an http probe without an http:// or https:// URL", http->url);
        check(ready.contains("http") && ready["http"] == http->url,
              "the http probe is not the file's URL", http->url);
    } else {
        dev8::fuzz::fail("a ready probe of a kind services.d cannot ask for", ready.dump());
    }
}

void check_service(const supervisor::ServiceSpec& spec, const Json& doc, const World& world,
                   bool may_switch_user) {
    check(matches_name_rule(spec.name), "a service name breaks the naming rule", spec.name);
    check(doc["name"] == spec.name, "the name is not the file's", spec.name);
    check(!spec.command.empty() && !spec.command[0].empty(), "an empty command", spec.name);
    check(doc["command"] == Json(spec.command), "the command is not the file's", spec.name);
    check(spec.cwd.starts_with('/'), "a relative working directory", spec.cwd);
    check(spec.cwd == doc.value("cwd", world.config.workspace), "the cwd is not the file's",
          spec.cwd);

    const auto& developer = world.config.developer;
    auto user_name = doc.value("user", developer.name);
    check(spec.user.name == user_name, "the user is not the file's", spec.user.name);
    auto account = dev8::fs::find_account(user_name, world.accounts);
    check(account && account->uid == spec.user.uid && account->home == spec.user.home,
          "the user is not the account /etc/passwd describes", user_name);
    check(may_switch_user || spec.user.uid == developer.uid,
          "a service runs as another user although dev8-init cannot switch", user_name);

    std::map<std::string, std::string> env;
    if (doc.contains("env")) env = doc["env"].get<std::map<std::string, std::string>>();
    check(spec.env == env, "the environment is not the file's", spec.name);
    for (const auto& [key, _] : spec.env) {
        check(!key.empty() && key.find('=') == std::string::npos, "an invalid variable name", key);
    }
    check(supervisor::to_string(spec.restart) == doc.value("restart", "always"),
          "the restart policy is not the file's", spec.name);
    check(spec.essential == doc.value("essential", false), "essential is not the file's",
          spec.name);
    check_probe(spec.ready, doc);
    check(!spec.is_main && !spec.builtin, "a services.d file made a built-in service", spec.name);
}

void load_and_check(const World& world, const std::vector<std::string_view>& contents,
                    bool may_switch_user) {
    auto loaded = supervisor::load_services_dir(world.config, world.accounts, may_switch_user);
    check(loaded.services.size() + loaded.errors.size() == contents.size(),
          "a file gave no result, or more than one");
    std::set<std::string> names;
    size_t next_service = 0;
    size_t next_error = 0;
    for (size_t i = 0; i < contents.size(); ++i) {
        auto path = world.file(i);
        if (next_error < loaded.errors.size() && loaded.errors[next_error].variable == path) {
            check_error(loaded.errors[next_error++], path);
            continue;
        }
        check(next_service < loaded.services.size(), "a file has neither a service nor an error",
              path);
        const auto& spec = loaded.services[next_service++];
        const auto doc = Json::parse(contents[i], nullptr, false);
        check(doc.is_object(), "a service from a file that is no JSON object", contents[i]);
        check(names.insert(spec.name).second, "two services share a name", spec.name);
        check_service(spec, doc, world, may_switch_user);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const World world;
    auto contents = dev8::fuzz::split_parts(dev8::fuzz::as_text(data, size), kMaxFiles);
    for (size_t i = 0; i < kMaxFiles; ++i) {
        std::error_code ignored;
        std::filesystem::remove(world.file(i), ignored);
    }
    for (size_t i = 0; i < contents.size(); ++i) {
        world.scratch.write("services.d/" + std::to_string(i) + ".json", contents[i]);
    }
    load_and_check(world, contents, true);
    load_and_check(world, contents, false);
    return 0;
}
