// The fixture of the `mpitune` executable's tests: each runs the built binary in a
// fresh temporary directory and checks its exit code, stdout and stderr.
#pragma once

#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace mpitune::cli_testing {

namespace fs = std::filesystem;

struct Invocation {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string ReadFile(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// A study of about 35 runs of a command that reports a step every 40 ms: it runs
// for a few seconds, long enough to do something to it meanwhile.
inline constexpr const char* kSlowCommandStudy = R"(study:
  name: slow
  seed: 4
space:
  x: {type: uniform, low: 0, high: 1}
scheduler:
  type: asha
  max_trials: 24
  min_budget: 1
  max_budget: 9
  eta: 3
trial:
  command: [sh, -c, "for s in 1 2 3; do sleep 0.04; echo mpitune: step=$s loss={x}; done"]
)";

inline std::string Config(const std::string& name) { return std::string(MPITUNE_SOURCE_DIR) + "/configs/" + name; }

// The default study's text with `scheduler_extra` appended to its scheduler section
// and `trial` as its trial section.
inline std::string BraninYaml(const std::string& scheduler_extra = "", const std::string& trial = "  objective: branin\n") {
  return "study:\n  name: cli-test\n  seed: 5\n"
         "space:\n  x1: {type: uniform, low: -5, high: 10}\n  x2: {type: uniform, low: 0, high: 15}\n"
         "scheduler:\n  type: asha\n  max_trials: 20\n  min_budget: 1\n  max_budget: 9\n  eta: 3\n" +
         scheduler_extra + "trial:\n" + trial;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mpitune_cli_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Runs mpitune with `args` in the temporary directory. With `timeout_seconds`, a
  // run still going then gets SIGTERM and, 5 s later, SIGKILL (exit code 124 or 137).
  // `shell_prefix` runs first in the same shell (e.g. "ulimit -f 64; ").
  Invocation Run(const std::vector<std::string>& args, int timeout_seconds = 0,
                 const std::string& shell_prefix = "") const {
    // fmt rather than "literal" + std::string: GCC 12 at -O3 warns (-Wrestrict) on
    // the latter, a false positive (GCC bug 105651).
    std::string command = fmt::format("cd {} && {}{}{}", ShellQuote(dir_.string()), shell_prefix,
                                      timeout_seconds > 0 ? fmt::format("timeout -k 5 {} ", timeout_seconds) : "",
                                      ShellQuote(MPITUNE_BINARY));
    for (const std::string& arg : args) command += fmt::format(" {}", ShellQuote(arg));
    command += fmt::format(" >{} 2>{}", ShellQuote((dir_ / "stdout.txt").string()),
                           ShellQuote((dir_ / "stderr.txt").string()));
    Invocation result;
    const int status = std::system(command.c_str());
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = ReadFile(dir_ / "stdout.txt");
    result.err = ReadFile(dir_ / "stderr.txt");
    return result;
  }

  // Starts mpitune with `args` in the background, in the temporary directory; its
  // output goes to run.out and run.err, its process id to run.pid, its exit code to
  // run.rc.
  void StartInBackground(const std::vector<std::string>& args) const {
    std::string run = ShellQuote(MPITUNE_BINARY);
    for (const std::string& arg : args) run += fmt::format(" {}", ShellQuote(arg));
    const std::string script = fmt::format("{} >run.out 2>run.err & echo $! >run.pid; wait $!; echo $? >run.rc", run);
    const std::string command = fmt::format("cd {} && sh -c {} &", ShellQuote(dir_.string()), ShellQuote(script));
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  // The process StartInBackground started.
  pid_t BackgroundPid() const {
    for (int i = 0; i < 200 && ReadFile(dir_ / "run.pid").empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return static_cast<pid_t>(std::stol(ReadFile(dir_ / "run.pid")));
  }
  bool BackgroundEnded() const { return fs::exists(dir_ / "run.rc"); }
  // The exit code of the run StartInBackground started, once it ends (-1: it did not
  // end within `timeout_seconds`).
  int WaitForBackground(int timeout_seconds = 120) const {
    for (int i = 0; i < timeout_seconds * 20 && !BackgroundEnded(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string rc = ReadFile(dir_ / "run.rc");
    return rc.empty() ? -1 : std::stoi(rc);
  }

  std::string WriteYaml(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  // A failed invocation: the given exit code and exactly one "mpitune: error:" line.
  static void ExpectOneLineError(const Invocation& result, int exit_code, const std::string& mention) {
    EXPECT_EQ(result.exit_code, exit_code) << result.out << result.err;
    const std::vector<std::string> lines = Lines(result.err);
    ASSERT_EQ(lines.size(), 1u) << result.err;
    EXPECT_EQ(lines[0].rfind("mpitune: error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(mention), std::string::npos) << "expected '" << mention << "' in: " << lines[0];
  }

  fs::path dir_;
};

}  // namespace mpitune::cli_testing
