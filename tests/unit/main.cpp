#define CATCH_CONFIG_RUNNER
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <iostream>

namespace {

// Tests tagged [root] act as other users (setfsuid, chown) and can only run
// as root. Anyone else gets them left out, and told so: they are skipped,
// never counted as passed.
size_t skip_root_tests(Catch::ConfigData& config) {
    if (::geteuid() == 0) return 0;
    if (config.testsOrTags.empty()) config.testsOrTags.push_back("*");
    for (auto& spec : config.testsOrTags) spec += "~[root]";
    const auto& all = Catch::getRegistryHub().getTestCaseRegistry().getAllTests();
    return static_cast<size_t>(std::count_if(all.begin(), all.end(), [](const auto& test) {
        return std::find(test.tags.begin(), test.tags.end(), "root") != test.tags.end();
    }));
}

}  // namespace

int main(int argc, char* argv[]) {
    Catch::Session session;
    if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
    auto skipped = skip_root_tests(session.configData());
    int failed = session.run();
    if (skipped > 0)
        std::cerr << "SKIPPED: " << skipped << " test cases tagged [root]: they need root\n";
    return failed;
}
