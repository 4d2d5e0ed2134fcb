#include "dev8/supervisor/services_dir.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace dev8::supervisor {

namespace stdfs = std::filesystem;

std::string default_cwd(const config::Config& config) {
    std::error_code ec;
    return stdfs::is_directory(config.workspace, ec) ? config.workspace : config.developer.home;
}

ServicesDir load_services_dir(const config::Config& config, const fs::AccountFiles& accounts,
                              bool may_switch_user) {
    ServicesDir result;
    std::error_code ec;
    if (!stdfs::is_directory(config.services_dir, ec)) return result;
    std::vector<stdfs::path> files;
    for (const auto& entry : stdfs::directory_iterator(config.services_dir, ec)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    if (ec) {
        result.errors.push_back({config.services_dir, "cannot list: " + ec.message()});
        return result;
    }
    std::sort(files.begin(), files.end());
    ServiceDefaults defaults{config.developer, default_cwd(config), accounts, may_switch_user};
    std::set<std::string> names;
    for (const auto& path : files) {
        std::ifstream in(path);
        auto doc = nlohmann::json::parse(in, nullptr, false);
        if (doc.is_discarded()) {
            result.errors.push_back({path.string(), "is not valid JSON"});
            continue;
        }
        auto spec = parse_service_spec(doc, defaults);
        if (!spec) {
            result.errors.push_back({path.string(), spec.error()});
        } else if (!names.insert(spec->name).second) {
            result.errors.push_back(
                {path.string(), "service name \"" + spec->name + "\" is already used"});
        } else {
            result.services.push_back(std::move(*spec));
        }
    }
    return result;
}

}  // namespace dev8::supervisor
