#include "dev8/supervisor/services_dir.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "dev8/fs/read_file.h"

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
    for (stdfs::directory_iterator it(config.services_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->path().extension() == ".json") files.push_back(it->path());
    }
    if (ec) {
        result.errors.push_back({config.services_dir, "cannot list: " + ec.message()});
        return result;
    }
    std::sort(files.begin(), files.end());
    ServiceDefaults defaults{config.developer, default_cwd(config), accounts, may_switch_user};
    std::set<std::string> names;
    for (const auto& path : files) {
        // Not a regular file (a directory, a FIFO) or too large: an error, never a hang.
        auto text = fs::read_file(path, fs::kMaxTextFile, fs::Links::Follow);
        if (!text || !*text) {
            auto why = text ? std::string("disappeared while being read") : text.error();
            if (why.starts_with(path.string() + ": ")) why.erase(0, path.string().size() + 2);
            result.errors.push_back({path.string(), why});
            continue;
        }
        auto doc = nlohmann::json::parse(**text, nullptr, false);
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
