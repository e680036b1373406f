// Command trials with real child processes: /bin/sh scripts in a temporary
// directory (and python3 for the example training script). Every test ends in well
// under two seconds; nothing sleeps long.
#include "trial/command_trial.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "mpitune/space.h"
#include "config/study_config.h"
#include "trial/line_splitter.h"
#include "trial/metric_parser.h"

extern char** environ;

namespace mpitune {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// True when `pid` no longer runs (absent, or a zombie nobody has collected yet).
bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  const std::size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] == 'Z';
}

bool EventuallyGone(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (ProcessGone(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

ParamSpec Uniform(const std::string& name, double low, double high) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::kUniform;
  p.low = low;
  p.high = high;
  return p;
}

ParamSpec Int(const std::string& name, double low, double high) {
  ParamSpec p = Uniform(name, low, high);
  p.type = ParamType::kInt;
  return p;
}

ParamSpec Choice(const std::string& name, std::vector<ParamValue> values) {
  ParamSpec p;
  p.name = name;
  p.type = ParamType::kChoice;
  p.choices = std::move(values);
  return p;
}

SearchSpace MakeSpace(std::vector<ParamSpec> params) {
  Result<SearchSpace> space = SearchSpace::Create(std::move(params));
  EXPECT_TRUE(space.ok()) << space.status().message();
  return std::move(space).value();
}

class CommandTrialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mpitune-cmd-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Script(const std::string& name, const std::string& body) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  std::unique_ptr<CommandTrial> Start(const std::vector<std::string>& argv, CommandTrialOptions options = {},
                                      std::vector<std::string> env = {}) {
    if (env.empty()) env = BuildTrialEnvironment(TrialSpec{}, TrialContext{}, environ);
    Result<std::unique_ptr<CommandTrial>> trial =
        CommandTrial::Start(argv, env, TrialDir().string(), options, clock_->Now());
    EXPECT_TRUE(trial.ok()) << trial.status().message();
    return trial.ok() ? std::move(trial).value() : nullptr;
  }

  // Polls until the trial ends (or `limit` seconds pass) and collects the reports.
  std::vector<MetricReport> RunToEnd(CommandTrial& trial, double limit = 5.0) {
    std::vector<MetricReport> reports;
    const double deadline = clock_->Now() + limit;
    while (trial.Running() && clock_->Now() < deadline) {
      trial.WaitForOutput(0.02);
      for (const MetricReport& r : trial.Poll(clock_->Now())) reports.push_back(r);
    }
    EXPECT_FALSE(trial.Running()) << "trial still running after " << limit << " s";
    return reports;
  }

  // Polls until the trial's stdout log contains `text`.
  bool WaitForLog(CommandTrial& trial, const std::string& text, double limit = 2.0) {
    const double deadline = clock_->Now() + limit;
    while (clock_->Now() < deadline) {
      trial.WaitForOutput(0.02);
      (void)trial.Poll(clock_->Now());
      if (ReadFile(TrialDir() / "stdout.log").find(text) != std::string::npos) return true;
    }
    return false;
  }

  fs::path TrialDir() const { return dir_ / "trial"; }

  fs::path dir_;
  std::unique_ptr<Clock> clock_ = MakeSteadyClock();
};

// ---------------------------------------------------------------------------
// Argument templating.

TEST(ExpandCommandTest, SubstitutesParametersAndBuiltins) {
  const SearchSpace space =
      MakeSpace({Uniform("lr", 0, 1), Int("layers", 1, 8), Choice("opt", {std::string("adam"), true})});
  const Config config{{0.001, 3, 0}};
  TrialSpec spec;
  spec.command = {"train",    "--lr={lr}",          "{layers}",         "--opt",        "{opt}", "{trial_id}",
                  "{budget}", "{checkpoint_dir}/x", "[{restore_from}]", "{params_json}", "{hpo_param_path}", "{metric_file}",
                  "{config_file}"};
  const TrialContext context{42, 3.0, "/ck", "", "/p.json", std::nullopt, {}, 0.0, "/hpo.json", "/m.jsonl", "/c.cfg"};
  const Result<std::vector<std::string>> argv = ExpandCommand(spec, space, config, context);
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv, (std::vector<std::string>{"train", "--lr=0.001", "3", "--opt", "adam", "42", "3", "/ck/x",
                                             "[]", "/p.json", "/hpo.json", "/m.jsonl", "/c.cfg"}));
}

// Regression (issue 9, item 4): a resumed trial was not told the step the study
// resumes it from, so one whose checkpoint was ahead could not know to report again.
TEST(ExpandCommandTest, TheStepTheStudyResumesFromReachesTheTrial) {
  const SearchSpace space = MakeSpace({Uniform("lr", 0, 1)});
  TrialSpec spec;
  spec.command = {"train", "--from={resume_step}"};
  TrialContext context{3, 9.0, "/ck", "/ck", "/p.json", std::nullopt, {}, 3.0, "", "", ""};
  Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0.5}}, context);
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv, (std::vector<std::string>{"train", "--from=3"}));
  const std::vector<std::string> env = BuildTrialEnvironment(spec, context, nullptr);
  EXPECT_NE(std::find(env.begin(), env.end(), "MPITUNE_RESUME_STEP=3"), env.end());
  context.resume_step = 0.0;  // a fresh start
  const std::vector<std::string> fresh = BuildTrialEnvironment(spec, context, nullptr);
  EXPECT_NE(std::find(fresh.begin(), fresh.end(), "MPITUNE_RESUME_STEP=0"), fresh.end());
}

// A proxy task's data fraction reaches the trial as {subset} and MPITUNE_SUBSET.
TEST(ExpandCommandTest, TheProxySubsetReachesTheTrial) {
  const SearchSpace space = MakeSpace({Uniform("lr", 0, 1)});
  TrialSpec spec;
  spec.command = {"train", "--subset={subset}"};
  TrialContext context{3, 3.0, "/ck", "", "/p.json", std::nullopt, {}, 0.0, "", "", ""};
  context.subset = 0.25;
  Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0.5}}, context);
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv, (std::vector<std::string>{"train", "--subset=0.25"}));
  const std::vector<std::string> env = BuildTrialEnvironment(spec, context, nullptr);
  EXPECT_NE(std::find(env.begin(), env.end(), "MPITUNE_SUBSET=0.25"), env.end());
}

TEST(ExpandCommandTest, LeavesOtherBracesAlone) {
  const SearchSpace space = MakeSpace({Uniform("lr", 0, 1)});
  TrialSpec spec;
  spec.command = {"{}", "{\"a\": {lr}}", "${}", "{a b}", "{{lr}}", "{lr", "lr}", "{lr}{lr}", "{/x}"};
  const Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0.5}}, TrialContext{});
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv, (std::vector<std::string>{"{}", "{\"a\": 0.5}", "${}", "{a b}", "{0.5}", "{lr", "lr}",
                                             "0.50.5", "{/x}"}));
}

TEST(ExpandCommandTest, RejectsUnknownPlaceholderAndEmptyCommand) {
  const SearchSpace space = MakeSpace({Uniform("lr", 0, 1)});
  TrialSpec spec;
  spec.command = {"train", "--x={momentum}"};
  Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0.5}}, TrialContext{});
  ASSERT_FALSE(argv.ok());
  EXPECT_EQ(argv.status().kind(), ErrorKind::kBadInput);
  EXPECT_NE(argv.status().message().find("{momentum}"), std::string::npos);
  // Shell variables in braces look like placeholders (the config loader agrees).
  spec.shell = true;
  spec.command = {"echo", "${HOME}"};
  EXPECT_FALSE(ExpandCommand(spec, space, Config{{0.5}}, TrialContext{}).ok());
  spec.shell = false;
  spec.command.clear();
  EXPECT_FALSE(ExpandCommand(spec, space, Config{{0.5}}, TrialContext{}).ok());
  spec.command = {"{lr}"};
  EXPECT_FALSE(ExpandCommand(spec, space, Config{{0.5, 1.0}}, TrialContext{}).ok());
}

TEST(ExpandCommandTest, ShellQuote) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$(rm -rf /); `x`"), "'$(rm -rf /); `x`'");
}

TEST(ExpandCommandTest, ShellModeRefersToValuesThroughTheEnvironment) {
  const SearchSpace space = MakeSpace({Choice("v", {std::string("a'b")}), Choice("feature.dim", {std::int64_t{8}})});
  TrialSpec spec;
  spec.shell = true;
  spec.command = {"echo", "--v={v}", "\"{budget}\"", "'{feature.dim}'", "|", "cat"};
  const Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0, 0}}, TrialContext{});
  ASSERT_TRUE(argv.ok()) << argv.status().message();
  EXPECT_EQ(*argv, (std::vector<std::string>{
                       "/bin/sh", "-c",
                       "echo --v=\"${MPITUNE_PARAM_v}\" \"${MPITUNE_BUDGET}\" ''\"${MPITUNE_PARAM_feature_dim}\"'' | cat"}));
  EXPECT_EQ(ParamEnvironment(space, Config{{0, 0}}),
            (std::vector<std::pair<std::string, std::string>>{{"MPITUNE_PARAM_v", "a'b"},
                                                              {"MPITUNE_PARAM_feature_dim", "8"}}));
}

TEST_F(CommandTrialTest, HostileValueIsOneLiteralArgumentWithoutShell) {
  const std::string pwned = (dir_ / "pwned").string();
  const std::string hostile = "it's $(touch " + pwned + "); touch " + pwned + " `touch " + pwned + "`";
  const SearchSpace space = MakeSpace({Choice("v", {hostile})});
  TrialSpec spec;
  spec.command = {Script("args.sh", "printf '%s\\n' \"$#\" \"$1\"\n"), "{v}"};
  const Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0}}, TrialContext{});
  ASSERT_TRUE(argv.ok());
  ASSERT_EQ(argv->size(), 2u);
  EXPECT_EQ((*argv)[1], hostile);
  auto trial = Start(*argv);
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  EXPECT_EQ(trial->Finish().outcome, TrialOutcome::kExited);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "1\n" + hostile + "\n");
  EXPECT_FALSE(fs::exists(pwned));
}

TEST_F(CommandTrialTest, HostileValueIsQuotedInShellMode) {
  const std::string pwned = (dir_ / "pwned").string();
  const std::string hostile = "it's  $(touch " + pwned + "); `touch " + pwned + "` \"x\" ${HOME} \\";
  const SearchSpace space = MakeSpace({Choice("v", {hostile})});
  TrialSpec spec;
  spec.shell = true;
  // Template text is shell syntax on purpose: the ';' runs a second command.
  spec.command = {"printf", "'[%s]\\n'", "{v}", "--{v}--", ";", "echo", "done"};
  TrialContext context;
  context.params = ParamEnvironment(space, Config{{0}});
  const Result<std::vector<std::string>> argv = ExpandCommand(spec, space, Config{{0}}, context);
  ASSERT_TRUE(argv.ok());
  auto trial = Start(*argv, {}, BuildTrialEnvironment(spec, context, environ));
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  EXPECT_EQ(trial->Finish().outcome, TrialOutcome::kExited);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "[" + hostile + "]\n[--" + hostile + "--]\ndone\n");
  EXPECT_FALSE(fs::exists(pwned));
}

// Issue: with shell: true, a template that wrapped a placeholder in its own double
// quotes ("\"{v}\"") put mpitune's single quotes inside them, so $(...), `...` and
// $HOME in a value were executed or expanded. Every template quoting against every
// hostile value: the value arrives as one exact argument and nothing runs.
TEST_F(CommandTrialTest, NoValueReachesShellParsingHoweverTheTemplateQuotesIt) {
  const std::string pwned = (dir_ / "pwned").string();
  const std::vector<std::string> hostile = {
      "$(touch " + pwned + ")", "`touch " + pwned + "`", "$HOME", "${HOME}", "it's", "a\"b", "x\\", "*",
      "a b  c", "; touch " + pwned, "' ; touch " + pwned + " ; '", "\" ; touch " + pwned + " ; \"", "\n", "",
      "$((1+1))", "~", "-n", "a\\'b\\\"c"};
  // How a user may write the element around {v}; printf shows what the program got.
  const std::vector<std::pair<std::string, std::string>> templates = {
      {"{v}", ""}, {"\"{v}\"", ""}, {"'{v}'", ""}, {"--x={v}", "--x="}, {"--x=\"{v}\"", "--x="},
      {"--x='{v}'", "--x="}, {"\"'{v}'\"", "'"}, {"'\"{v}\"'", "\""}, {"\"a{v}b\"", "a"}};
  std::vector<ParamValue> choices(hostile.begin(), hostile.end());
  const SearchSpace space = MakeSpace({Choice("v", choices)});
  int run = 0;
  for (std::size_t h = 0; h < hostile.size(); ++h) {
    for (const auto& [element, prefix] : templates) {
      TrialSpec spec;
      spec.shell = true;
      spec.command = {"printf", "'[%s]'", element};
      TrialContext context;
      context.params = ParamEnvironment(space, Config{{static_cast<double>(h)}});
      const Result<std::vector<std::string>> argv =
          ExpandCommand(spec, space, Config{{static_cast<double>(h)}}, context);
      ASSERT_TRUE(argv.ok()) << argv.status().message();
      auto trial = Start(*argv, {}, BuildTrialEnvironment(spec, context, environ));
      ASSERT_NE(trial, nullptr);
      RunToEnd(*trial);
      EXPECT_EQ(trial->Finish().outcome, TrialOutcome::kExited) << element << " with " << hostile[h];
      // A value wrapped in the template's own quotes keeps them where they are literal.
      const std::string suffix = prefix == "'" ? "'" : prefix == "\"" ? "\"" : prefix == "a" ? "b" : "";
      const std::string shown = ReadFile(TrialDir() / "stdout.log");
      EXPECT_NE(shown.find("[" + prefix + hostile[h] + suffix + "]"), std::string::npos)
          << "template " << element << " value " << hostile[h] << " printed " << shown;
      fs::remove(TrialDir() / "stdout.log");
      ++run;
    }
  }
  EXPECT_EQ(run, static_cast<int>(hostile.size() * templates.size()));
  EXPECT_FALSE(fs::exists(pwned));
}

// The pids of this user's processes whose command line holds `marker`.
std::vector<pid_t> ProcessesWith(const std::string& marker) {
  std::vector<pid_t> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadFile(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(marker) != std::string::npos && !ProcessGone(std::stoi(name))) found.push_back(std::stoi(name));
  }
  return found;
}

// Issue: a trial's background children (`sleep 40 &`, also after setsid) outlived the
// trial and the study.
TEST_F(CommandTrialTest, EveryProcessATrialStartedEndsWithIt) {
  // Distinct durations mark this test's processes among whatever else runs here.
  const std::string script = Script("spawn.sh",
                                    "sleep 40.4711 &\n"
                                    "setsid sleep 40.4712 &\n"
                                    "(setsid sh -c 'sleep 40.4713 & wait') &\n"
                                    "sleep 0.2\n"
                                    "echo mpitune: step=1 loss=0.5\n");
  auto trial = Start({script});
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  EXPECT_EQ(trial->Finish().outcome, TrialOutcome::kExited);
  for (const char* marker : {"sleep 40.4711", "sleep 40.4712", "sleep 40.4713"}) {
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      gone = ProcessesWith(marker).empty();
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(gone) << marker << " outlived its trial";
  }
}

// Issue: trial logs had no cap: two trials flooding their output left 241 MB.
TEST_F(CommandTrialTest, AFloodedLogKeepsItsHeadAndItsTailWithinTheCap) {
  // 40,000 numbered lines (about 500 kB) on stdout and on stderr, against a 64 kB cap.
  const std::string script =
      Script("flood.sh", "i=0; while [ $i -lt 40000 ]; do echo \"line $i of the flood\"; echo \"err $i\" >&2; "
                         "i=$((i+1)); done; echo mpitune: step=1 loss=0.5\n");
  CommandTrialOptions options;
  options.log_limit_bytes = 64 * 1024;
  auto trial = Start({script}, options);
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kExited);
  EXPECT_EQ(exit.reports, 1);  // the metric line after the flood still counts
  for (const char* name : {"stdout.log", "stderr.log"}) {
    const std::string log = ReadFile(TrialDir() / name);
    EXPECT_LE(log.size(), 64u * 1024 + 200) << name;
    EXPECT_GE(log.size(), 64u * 1024) << name;
    const bool out = std::string(name) == "stdout.log";
    EXPECT_EQ(log.rfind(out ? "line 0 of the flood\n" : "err 0\n", 0), 0u) << name;
    EXPECT_NE(log.find("bytes of this run's output left out here"), std::string::npos) << name;
    const std::string last = out ? "line 39999 of the flood\nmpitune: step=1 loss=0.5\n" : "err 39999\n";
    EXPECT_EQ(log.substr(log.size() - last.size()), last) << name;
  }
}

TEST_F(CommandTrialTest, ALogUnderTheCapIsKeptWholeAndOneOverItIsCut) {
  const std::string script = Script("small.sh", "echo one; echo two >&2; echo mpitune: step=1 loss=0.5\n");
  CommandTrialOptions options;
  options.log_limit_bytes = 16;  // stderr fits whole; stdout keeps its first 8 bytes and its last 8
  auto trial = Start({script}, options);
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  (void)trial->Finish();
  EXPECT_EQ(ReadFile(TrialDir() / "stderr.log"), "two\n");
  const std::string out = ReadFile(TrialDir() / "stdout.log");
  EXPECT_EQ(out.rfind("one\nmpit", 0), 0u) << out;
  EXPECT_EQ(out.substr(out.size() - 8), "oss=0.5\n") << out;
}

// ---------------------------------------------------------------------------
// Environment and params.json.

TEST(TrialEnvironmentTest, OverlaysSpecAndTrialValues) {
  const char* parent[] = {
      "PATH=/bin", "HOME=/h", "HOME=/second", "MPITUNE_TRIAL_ID=old", "junk", "CUDA_VISIBLE_DEVICES=0,1",
      nullptr};
  TrialSpec spec;
  spec.env = {{"FOO", "bar=baz"}, {"HOME", "/spec"}, {"MPITUNE_BUDGET", "user"}};
  const TrialContext context{7, 2.5, "/ck", "/old/ck", "/p.json", std::string(""), {}, 1.5, "/hpo.json", "", ""};
  const std::vector<std::string> env = BuildTrialEnvironment(spec, context, parent);
  EXPECT_EQ(env, (std::vector<std::string>{"PATH=/bin", "HOME=/spec", "MPITUNE_TRIAL_ID=7",
                                           "CUDA_VISIBLE_DEVICES=", "FOO=bar=baz", "MPITUNE_BUDGET=2.5",
                                           "MPITUNE_CHECKPOINT_DIR=/ck", "MPITUNE_RESTORE_FROM=/old/ck",
                                           "MPITUNE_RESUME_STEP=1.5", "MPITUNE_SUBSET=1",
                                           "MPITUNE_PARAMS_JSON=/p.json", "MPITUNE_HPO_PARAM_PATH=/hpo.json"}));
  // Without a GPU assignment the parent's CUDA_VISIBLE_DEVICES passes through.
  const std::vector<std::string> inherited = BuildTrialEnvironment(TrialSpec{}, TrialContext{}, parent);
  EXPECT_NE(std::find(inherited.begin(), inherited.end(), "CUDA_VISIBLE_DEVICES=0,1"), inherited.end());
  EXPECT_NE(std::find(inherited.begin(), inherited.end(), "MPITUNE_RESTORE_FROM="), inherited.end());
}

TEST_F(CommandTrialTest, ChildSeesEnvironment) {
  TrialSpec spec;
  spec.env = {{"EXTRA", "it's here"}};
  const TrialContext context{5, 9.0, "/ck/5", "", "/p/5.json", std::string(""), {}, 0.0, "", "", ""};
  const std::string script =
      Script("env.sh",
             "echo \"id=$MPITUNE_TRIAL_ID budget=$MPITUNE_BUDGET ck=$MPITUNE_CHECKPOINT_DIR "
             "restore=[$MPITUNE_RESTORE_FROM] params=$MPITUNE_PARAMS_JSON extra=$EXTRA\"\n"
             "echo \"cuda=[${CUDA_VISIBLE_DEVICES-unset}] path=${PATH:+set}\"\n");
  auto trial = Start({script}, {}, BuildTrialEnvironment(spec, context, environ));
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  EXPECT_EQ(trial->Finish().outcome, TrialOutcome::kExited);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"),
            "id=5 budget=9 ck=/ck/5 restore=[] params=/p/5.json extra=it's here\ncuda=[] path=set\n");
}

TEST_F(CommandTrialTest, ParamsJsonKeepsTypes) {
  const SearchSpace space = MakeSpace({Uniform("lr", 0, 1), Int("layers", 1, 8),
                                       Choice("opt", {std::string("sgd"), std::string("adam")}),
                                       Choice("flag", {true, false}), Choice("bs", {32.0, 64.0})});
  const fs::path path = dir_ / "sub" / "params.json";
  ASSERT_TRUE(WriteParamsJson(path.string(), 12, 27.0, space, Config{{0.125, 4, 1, 1, 0}}).ok());
  const nlohmann::json doc = nlohmann::json::parse(ReadFile(path));
  EXPECT_EQ(doc["trial_id"], 12);
  EXPECT_EQ(doc["budget"], 27.0);
  const nlohmann::json& params = doc["params"];
  EXPECT_TRUE(params["lr"].is_number_float());
  EXPECT_EQ(params["lr"].get<double>(), 0.125);
  EXPECT_TRUE(params["layers"].is_number_integer());
  EXPECT_EQ(params["layers"].get<int>(), 4);
  EXPECT_EQ(params["opt"], "adam");
  EXPECT_TRUE(params["flag"].is_boolean());
  EXPECT_EQ(params["flag"], false);
  EXPECT_EQ(params["bs"].get<double>(), 32.0);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
}

// ---------------------------------------------------------------------------
// Metric parsing.

TEST(MetricNumberTest, ParsesStrictly) {
  EXPECT_EQ(ParseMetricNumber("0.25"), 0.25);
  EXPECT_EQ(ParseMetricNumber("+1.5"), 1.5);
  EXPECT_EQ(ParseMetricNumber("-2e-3"), -2e-3);
  EXPECT_TRUE(std::isnan(*ParseMetricNumber("nan")));
  EXPECT_TRUE(std::isnan(*ParseMetricNumber("NaN")));
  EXPECT_EQ(ParseMetricNumber("inf"), INFINITY);
  EXPECT_EQ(ParseMetricNumber("-Inf"), -INFINITY);
  EXPECT_EQ(ParseMetricNumber("INF"), INFINITY);
  for (const char* bad : {"", "+", "0.3.4", "1x", " 1", "1 ", "+-1", "++1", "0x10", "1e999", "abc", "nanx"}) {
    EXPECT_FALSE(ParseMetricNumber(bad).has_value()) << bad;
  }
}

TEST(MetricParserTest, FixedFormat) {
  Result<MetricParser> parser = MetricParser::Create("loss", "");
  ASSERT_TRUE(parser.ok());
  const auto report = parser->Parse("mpitune: step=3 loss=0.25 acc=0.9");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->step, 3.0);
  EXPECT_EQ(report->value, 0.25);
  EXPECT_TRUE(parser->Parse("mpitune:\tloss=1\tstep=4").has_value());
  EXPECT_FALSE(parser->Parse("epoch 3 loss=0.2").has_value());  // not a metric line at all
  EXPECT_EQ(parser->counts().malformed, 0);
  for (const char* bad :
       {"mpitune: loss=0.3", "mpitune: step=1 loss=0.3.4", "mpitune: step=1 loss=0.2 junk",
        "mpitune: step=x loss=1", "mpitune: step=-1 loss=1", "mpitune: step=nan loss=1",
        "mpitune: step=1 loss=", "mpitune: =1 step=1 loss=1", "mpitune:", "mpitune: step=1 step=2 loss=1"}) {
    EXPECT_FALSE(parser->Parse(bad).has_value()) << bad;
  }
  EXPECT_EQ(parser->counts().malformed, 10);
  EXPECT_FALSE(parser->Parse("mpitune: step=1 acc=0.5").has_value());
  EXPECT_EQ(parser->counts().ignored, 1);
}

TEST(MetricParserTest, RegexWithAndWithoutStepGroup) {
  Result<MetricParser> with_step = MetricParser::Create("loss", R"(val_loss=(\S+) at epoch (\d+))");
  ASSERT_TRUE(with_step.ok());
  auto report = with_step->Parse("INFO val_loss=0.5 at epoch 7");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->step, 7.0);
  EXPECT_EQ(report->value, 0.5);

  Result<MetricParser> counted = MetricParser::Create("loss", R"(loss: (\S+))");
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->Parse("loss: 0.9")->step, 1.0);
  EXPECT_FALSE(counted->Parse("loss: oops").has_value());  // garbage; does not use up a step
  EXPECT_EQ(counted->Parse("loss: 0.8")->step, 2.0);
  EXPECT_EQ(counted->Parse("mpitune: step=10 loss=0.1")->step, 10.0);  // the fixed format wins
  EXPECT_TRUE(std::isnan(counted->Parse("loss: NAN")->value));
  EXPECT_EQ(counted->Parse("loss: 0.7")->step, 4.0);
  EXPECT_EQ(counted->counts().malformed, 1);
  // A hostile regex on a long line must neither hang nor overflow the stack.
  Result<MetricParser> greedy = MetricParser::Create("loss", R"(.*loss=(\S+))");
  ASSERT_TRUE(greedy.ok());
  EXPECT_FALSE(greedy->Parse(std::string(60000, 'x')).has_value());
  EXPECT_EQ(greedy->counts().ignored, 1);

  EXPECT_FALSE(MetricParser::Create("loss", "(unclosed").ok());
  EXPECT_FALSE(MetricParser::Create("loss", "no group").ok());
}

// Regression (issue 9, item 8): `epoch (\d+) loss ([0-9.]+)` took the epoch for the
// value. The config names the groups.
TEST(MetricParserTest, RegexGroupsNameTheValueAndTheStep) {
  const std::string regex = R"(epoch (\d+) loss ([0-9.]+))";
  Result<MetricParser> named = MetricParser::Create("loss", regex, MetricRegexGroups{2, 1});
  ASSERT_TRUE(named.ok()) << named.status().message();
  const auto report = named->Parse("epoch 3 loss 0.25");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->step, 3.0);
  EXPECT_EQ(report->value, 0.25);

  Result<MetricParser> value_only = MetricParser::Create("loss", regex, MetricRegexGroups{2, 0});
  ASSERT_TRUE(value_only.ok());
  EXPECT_EQ(value_only->Parse("epoch 7 loss 0.5")->step, 1.0);
  EXPECT_EQ(value_only->Parse("epoch 8 loss 0.4")->step, 2.0);

  EXPECT_FALSE(MetricParser::Create("loss", R"(loss ([0-9.]+))", MetricRegexGroups{1, 2}).ok());
  EXPECT_FALSE(MetricParser::Create("loss", regex, MetricRegexGroups{1, 1}).ok());
}

// A step below an earlier one of the same stream is dropped and counted: the scheduler
// never sees a trial go back in time. The two streams are separate pipes, whose lines
// are not read in the order they were printed.
TEST(MetricParserTest, StepsGoingBackAreCountedAndDropped) {
  Result<MetricParser> parser = MetricParser::Create("loss", "");
  ASSERT_TRUE(parser.ok());
  EXPECT_TRUE(parser->Parse("mpitune: step=1 loss=0.9").has_value());
  EXPECT_TRUE(parser->Parse("mpitune: step=3 loss=0.5").has_value());
  EXPECT_FALSE(parser->Parse("mpitune: step=2 loss=0.7").has_value());
  EXPECT_TRUE(parser->Parse("mpitune: step=3 loss=0.45").has_value());  // the same step again is fine
  EXPECT_TRUE(parser->Parse("mpitune: step=2 loss=0.6", 1).has_value());  // stderr goes its own way
  EXPECT_FALSE(parser->Parse("mpitune: step=1 loss=0.6", 1).has_value());
  EXPECT_EQ(parser->counts(), (MetricLineCounts{0, 0, 2}));
}

// Regression (issue 9, item 1): a trial whose metric lines did not match ended with no
// reason anywhere. What it printed that came closest is quoted.
TEST(MetricParserTest, WhyNoReportQuotesWhatCameClosest) {
  const auto why = [](const std::string& regex, const std::vector<std::string>& lines) {
    Result<MetricParser> parser = MetricParser::Create("loss", regex);
    EXPECT_TRUE(parser.ok());
    for (const std::string& line : lines) EXPECT_FALSE(parser->Parse(line).has_value()) << line;
    return parser->WhyNoReport();
  };
  EXPECT_EQ(why("", {"mpitune: loss: 0.5", "mpitune: loss: 0.4", "mpitune: loss: 0.3"}),
            "3 lines started with \"mpitune:\" but none matched \"mpitune: step=<s> loss=<v>\", e.g. \"mpitune: "
            "loss: 0.5\"");
  EXPECT_EQ(why("", {"mpitune: step=1 val_loss=0.5"}),
            "1 \"mpitune:\" line had no loss=<v>, e.g. \"mpitune: step=1 val_loss=0.5\"");
  EXPECT_EQ(why("", {"Loss 0.5 after epoch 1", "done"}),
            "1 line mentions \"loss\" but does not start with \"mpitune:\", e.g. \"Loss 0.5 after epoch 1\"");
  EXPECT_EQ(why(R"(loss=(\\d+))", {"loss=0.5"}),
            "no line matched metric_regex \"loss=(\\\\d+)\"; 1 line mentions \"loss\", e.g. \"loss=0.5\"");
  EXPECT_EQ(why(R"(loss=(\S+))", {"loss=high"}),
            "1 line matched metric_regex \"loss=(\\S+)\" without a number in group 1, e.g. \"loss=high\"");
  EXPECT_EQ(why("", {"epoch 1", ""}),
            "it printed no metric line (expected \"mpitune: step=<s> loss=<v>\" on stdout or stderr)");
  // Quoted lines are cut, their control bytes hidden.
  const std::string cut = why("", {std::string("mpitune: \x01loss: ") + std::string(200, '9')});
  EXPECT_NE(cut.find("e.g. \"mpitune: ?loss: 999"), std::string::npos) << cut;
  EXPECT_TRUE(cut.ends_with("999...\"")) << cut;
  EXPECT_LT(cut.size(), 200u) << cut;
}

TEST(LineSplitterTest, SplitsAcrossChunksAndCapsLength) {
  LineSplitter splitter(8);
  std::vector<std::pair<std::string, bool>> lines;
  const auto collect = [&](std::string_view line, bool truncated) { lines.emplace_back(line, truncated); };
  splitter.Feed("ab", collect);
  splitter.Feed("c\nde\r\n\nf", collect);
  splitter.Feed("0123456789abc", collect);  // "f" + 13 bytes: cut at 8
  splitter.Feed("def\n12345678\nx", collect);
  splitter.Finish(collect);
  EXPECT_EQ(lines,
            (std::vector<std::pair<std::string, bool>>{
                {"abc", false}, {"de", false}, {"f0123456", true}, {"12345678", false}, {"x", false}}));
}

TEST_F(CommandTrialTest, ParsesMetricLinesFromOutput) {
  const std::string script = Script("metrics.sh",
                                    "echo 'mpitune: step=1 loss=0.5'\n"
                                    "echo 'some log line'\n"
                                    "echo 'mpitune: step=2 loss=nan'\n"
                                    "echo 'mpitune: step=3 loss=-INF' >&2\n"
                                    "echo 'mpitune: step=4 acc=0.9'\n"
                                    "echo 'mpitune: loss=0.3'\n"
                                    "echo 'mpitune: step=5 loss=0.3.4'\n"
                                    "echo 'mpitune: step=6 loss=0.2 junk'\n"
                                    "printf 'mpitune: step=7 loss=0.125'\n");
  auto trial = Start({script});
  ASSERT_NE(trial, nullptr);
  std::vector<MetricReport> reports = RunToEnd(*trial);
  // stdout and stderr are separate pipes: their relative order is not kept.
  std::sort(reports.begin(), reports.end(),
            [](const MetricReport& a, const MetricReport& b) { return a.step < b.step; });
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports[0].step, 1.0);
  EXPECT_EQ(reports[0].value, 0.5);
  EXPECT_TRUE(std::isnan(reports[1].value));
  EXPECT_EQ(reports[2].step, 3.0);  // from stderr
  EXPECT_EQ(reports[2].value, -INFINITY);
  EXPECT_EQ(reports[3].step, 7.0);  // the last line had no newline
  EXPECT_EQ(reports[3].value, 0.125);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kExited);
  EXPECT_EQ(exit.reports, 4);
  EXPECT_EQ(exit.lines.malformed, 3);
  EXPECT_EQ(exit.lines.ignored, 1);
}

TEST_F(CommandTrialTest, RegexMetricFromOutput) {
  CommandTrialOptions options;
  options.metric_regex = R"(loss: (\S+))";
  auto trial = Start({Script("regex.sh", "echo 'loss: 0.9'\necho 'loss: 0.7'\necho 'loss: 0.4'\n")}, options);
  ASSERT_NE(trial, nullptr);
  const std::vector<MetricReport> reports = RunToEnd(*trial);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[2].step, 3.0);
  EXPECT_EQ(reports[2].value, 0.4);
}

TEST_F(CommandTrialTest, SurvivesHugeAndBinaryOutput) {
  CommandTrialOptions options;
  options.metric_regex = R"(.*val=(\S+))";
  // Shell tools rather than python3: interpreter start-up would dominate the test.
  const std::string script = Script(
      "noisy.sh",
      "head -c 1048576 /dev/zero | tr '\\000' x; echo\n"  // a 1 MiB line
      "printf 'mpitune: step=1 loss=0.5 pad='; head -c 1048576 /dev/zero | tr '\\000' y; echo\n"  // cut
      "i=0; while [ $i -lt 64 ]; do printf 'a\\000b\\001\\377\\376\\033[31m val=\\r\\000\\n'; i=$((i+1)); "
      "done\n"
      "printf '\\377\\376\\000mpitune: step=2 loss=1\\n'\n"  // not at the start of a line
      "head -c 70000 /dev/zero | tr '\\000' z\n"             // long, and no newline yet
      "printf '\\nmpitune: step=3 loss=0.25\\n'\n"
      "printf '\\000\\001err\\377\\n' >&2\n");
  auto trial = Start({script}, options);
  ASSERT_NE(trial, nullptr);
  const std::vector<MetricReport> reports = RunToEnd(*trial);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].step, 1.0);  // the cut line's start is still read
  EXPECT_EQ(reports[1].step, 3.0);
  EXPECT_EQ(reports[1].value, 0.25);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kExited);
  EXPECT_GE(exit.lines.malformed, 3);  // the three over-long lines
  // The log keeps every byte: the lines above, 1048577 + 1048606 + 64 * 19 + 26 + 70000 + 27.
  EXPECT_EQ(fs::file_size(TrialDir() / "stdout.log"), 2168452u);
  ASSERT_EQ(exit.stderr_tail.size(), 1u);
  EXPECT_EQ(exit.stderr_tail[0], "??err\xff");
}

// ---------------------------------------------------------------------------
// How trials end.

TEST_F(CommandTrialTest, NonZeroExitFailsWithStderrTail) {
  const std::string script =
      Script("fail.sh",
             "echo 'mpitune: step=1 loss=2'\ni=0\nwhile [ $i -lt 30 ]; do echo \"err $i\" >&2; "
             "i=$((i+1)); done\nexit 3\n");
  auto trial = Start({script});
  ASSERT_NE(trial, nullptr);
  EXPECT_EQ(RunToEnd(*trial).size(), 1u);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kFailed);
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.signal, 0);
  EXPECT_EQ(exit.message, "exited with code 3");
  ASSERT_EQ(exit.stderr_tail.size(), 20u);
  EXPECT_EQ(exit.stderr_tail.front(), "err 10");
  EXPECT_EQ(exit.stderr_tail.back(), "err 29");
  EXPECT_NE(ReadFile(TrialDir() / "stderr.log").find("err 0\n"), std::string::npos);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "mpitune: step=1 loss=2\n");
}

TEST_F(CommandTrialTest, CrashFails) {
  auto trial = Start({Script("crash.sh", "echo before\nkill -SEGV $$\necho after\n")});
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kFailed);
  EXPECT_EQ(exit.signal, SIGSEGV);
  EXPECT_FALSE(exit.exit_code.has_value());
  EXPECT_EQ(exit.message, "killed by SIGSEGV");
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "before\n");
}

TEST_F(CommandTrialTest, CommandThatCannotRunFails) {
  auto trial = Start({(dir_ / "no-such-command").string(), "x"});
  ASSERT_NE(trial, nullptr);
  EXPECT_FALSE(trial->Running());
  EXPECT_TRUE(trial->Poll(clock_->Now()).empty());
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kFailed);
  EXPECT_NE(exit.message.find("cannot run"), std::string::npos) << exit.message;
  ASSERT_EQ(exit.stderr_tail.size(), 1u);
  EXPECT_NE(ReadFile(TrialDir() / "stderr.log").find("No such file"), std::string::npos);
}

TEST_F(CommandTrialTest, NulInArgumentFailsTheTrial) {
  auto trial = Start({"echo", std::string("a\0b", 3)});
  ASSERT_NE(trial, nullptr);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kFailed);
  EXPECT_NE(exit.message.find("NUL"), std::string::npos) << exit.message;
}

TEST_F(CommandTrialTest, BadRegexIsASetupError) {
  CommandTrialOptions options;
  options.metric_regex = "([";
  const Result<std::unique_ptr<CommandTrial>> trial =
      CommandTrial::Start({"true"}, {}, TrialDir().string(), options, 0.0);
  ASSERT_FALSE(trial.ok());
  EXPECT_EQ(trial.status().kind(), ErrorKind::kBadInput);
}

TEST_F(CommandTrialTest, TimeoutKillsTheWholeGroup) {
  const fs::path child_pid = dir_ / "child.pid";
  CommandTrialOptions options;
  // Long enough that even a loaded CI machine has started the script before it fires.
  options.timeout_seconds = 1.5;
  auto trial = Start(
      {Script("hang.sh", "sleep 100 &\necho $! > " + child_pid.string() + "\necho started\nsleep 100\n")},
      options);
  ASSERT_NE(trial, nullptr);
  const double start = clock_->Now();
  RunToEnd(*trial, 6.0);
  const double elapsed = clock_->Now() - start;
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kTimedOut);
  EXPECT_TRUE(exit.timed_out);
  EXPECT_EQ(exit.signal, SIGTERM);  // the shell does not handle it: it goes down at once
  EXPECT_GE(elapsed, 1.45);
  EXPECT_LT(elapsed, 4.0);
  EXPECT_GE(exit.duration_seconds, 1.5);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "started\n");
  const std::string sleeper = ReadFile(child_pid);
  ASSERT_FALSE(sleeper.empty());
  EXPECT_TRUE(EventuallyGone(std::stoi(sleeper)));
  EXPECT_TRUE(EventuallyGone(trial->pid()));
}

// Regression (issue 9, item 9): a trial past its timeout got SIGKILL at once, with no
// chance to checkpoint. It gets SIGTERM and the stop grace first, like a stop, and is
// still recorded as timed out.
TEST_F(CommandTrialTest, TimeoutSendsSigtermAndWaitsTheGraceBeforeSigkill) {
  CommandTrialOptions options;
  options.timeout_seconds = 1.0;
  options.stop_grace_seconds = 5.0;
  auto trial = Start({Script("save.sh", "trap 'echo saved; exit 0' TERM\necho started\n"
                                        "while :; do sleep 0.05; done\n")},
                     options);
  ASSERT_NE(trial, nullptr);
  const double start = clock_->Now();
  RunToEnd(*trial, 4.0);
  EXPECT_LT(clock_->Now() - start, 3.0);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kTimedOut);
  EXPECT_TRUE(exit.timed_out);
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_FALSE(exit.killed_after_grace);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "started\nsaved\n");
  EXPECT_EQ(exit.message, "timed out after 1 s (exited with code 0 after SIGTERM)");
}

TEST_F(CommandTrialTest, ATimedOutTrialThatIgnoresSigtermIsKilledAfterTheGrace) {
  CommandTrialOptions options;
  options.timeout_seconds = 1.0;
  options.stop_grace_seconds = 0.3;
  auto trial = Start({Script("stubborn.sh", "trap '' TERM\nwhile :; do sleep 0.05; done\n")}, options);
  ASSERT_NE(trial, nullptr);
  const double start = clock_->Now();
  RunToEnd(*trial, 4.0);
  EXPECT_GE(clock_->Now() - start, 1.3);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kTimedOut);
  EXPECT_TRUE(exit.killed_after_grace);
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_EQ(exit.message, "timed out after 1 s (killed by SIGKILL 0.3 s after SIGTERM)");
}

TEST_F(CommandTrialTest, LeftoverChildrenDieWithTheTrial) {
  const fs::path child_pid = dir_ / "child.pid";
  auto trial = Start({Script("leak.sh", "sleep 100 &\necho $! > " + child_pid.string() + "\n")});
  ASSERT_NE(trial, nullptr);
  RunToEnd(*trial);
  EXPECT_EQ(trial->Finish().outcome, TrialOutcome::kExited);
  const std::string leftover = ReadFile(child_pid);
  ASSERT_FALSE(leftover.empty());  // the script wrote it before exiting
  EXPECT_TRUE(EventuallyGone(std::stoi(leftover)));
}

TEST_F(CommandTrialTest, StopHandledBySigtermExits) {
  CommandTrialOptions options;
  options.stop_grace_seconds = 5.0;
  auto trial = Start({Script("trap.sh",
                             "trap 'echo bye; exit 0' TERM\necho ready\n"
                             "while :; do sleep 0.05; done\n")},
                     options);
  ASSERT_NE(trial, nullptr);
  ASSERT_TRUE(WaitForLog(*trial, "ready\n"));
  trial->RequestStop(clock_->Now());
  RunToEnd(*trial, 2.0);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kExited);
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_TRUE(exit.stop_requested);
  EXPECT_FALSE(exit.killed_after_grace);
  EXPECT_EQ(ReadFile(TrialDir() / "stdout.log"), "ready\nbye\n");
}

TEST_F(CommandTrialTest, StopIgnoredEscalatesToSigkillAfterGrace) {
  CommandTrialOptions options;
  options.stop_grace_seconds = 0.3;
  auto trial =
      Start({Script("stubborn.sh", "trap '' TERM\necho ready\nwhile :; do sleep 0.05; done\n")}, options);
  ASSERT_NE(trial, nullptr);
  ASSERT_TRUE(WaitForLog(*trial, "ready\n"));
  const double stop = clock_->Now();
  trial->RequestStop(stop);
  RunToEnd(*trial, 2.0);
  const double elapsed = clock_->Now() - stop;
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.outcome, TrialOutcome::kExited);
  EXPECT_TRUE(exit.killed_after_grace);
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_GE(elapsed, 0.3);
  EXPECT_LT(elapsed, 1.2);
}

TEST_F(CommandTrialTest, DestructorKillsAndReaps) {
  const fs::path child_pid = dir_ / "child.pid";
  pid_t leader = -1;
  {
    auto trial = Start({Script("bg.sh", "sleep 100 &\necho $! > " + child_pid.string() + "\nwait\n")});
    ASSERT_NE(trial, nullptr);
    leader = trial->pid();
    // Wait for the pid to be written, not just for the file to exist: on a loaded
    // machine the shell can be killed between creating the file and writing to it.
    for (int i = 0; i < 1000 && ReadFile(child_pid).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(trial->Running());
  }
  EXPECT_TRUE(EventuallyGone(leader));
  // Reaped, not a zombie of ours: waitpid finds no such child.
  EXPECT_EQ(waitpid(leader, nullptr, WNOHANG), -1);
  const std::string text = ReadFile(child_pid);
  ASSERT_FALSE(text.empty());
  EXPECT_TRUE(EventuallyGone(std::stoi(text)));
}

TEST_F(CommandTrialTest, FinishWhileRunningKills) {
  auto trial = Start({Script("sleep.sh", "exec sleep 100\n")});
  ASSERT_NE(trial, nullptr);
  const TrialExit exit = trial->Finish();
  EXPECT_FALSE(trial->Running());
  EXPECT_EQ(exit.signal, SIGKILL);
  EXPECT_TRUE(exit.stop_requested);
}

TEST_F(CommandTrialTest, ChildStartsWithDefaultSignals) {
  // The worker ignores SIGTERM; the trial must still die of it.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGTERM, &ignore, &previous), 0);
  auto trial = Start({Script("plain.sh", "echo ready\nwhile :; do sleep 0.05; done\n")});
  sigaction(SIGTERM, &previous, nullptr);
  ASSERT_NE(trial, nullptr);
  ASSERT_TRUE(WaitForLog(*trial, "ready\n"));
  trial->RequestStop(clock_->Now());
  RunToEnd(*trial, 2.0);
  const TrialExit exit = trial->Finish();
  EXPECT_EQ(exit.signal, SIGTERM);
  EXPECT_FALSE(exit.killed_after_grace);
}

// ---------------------------------------------------------------------------
// The example training script, through the example config.

TEST_F(CommandTrialTest, ExampleTrainingScriptReportsAndResumes) {
  Result<StudyConfig> study = LoadStudyConfigFile(MPITUNE_SOURCE_DIR "/configs/command-example.yaml");
  ASSERT_TRUE(study.ok()) << study.status().message();
  TrialSpec spec = study->trial;
  // The config names the script relative to the repository root.
  for (std::string& word : spec.command) {
    if (word.ends_with("train_example.py")) word = MPITUNE_SOURCE_DIR "/" + word;
  }
  const SearchSpace& space = study->space;
  const Config config = space.Decode(std::vector<double>(space.size(), 0.5));
  CommandTrialOptions options;
  options.metric = study->metric;
  options.metric_regex = spec.metric_regex;
  options.timeout_seconds = spec.timeout_seconds;

  const auto run = [&](double budget, const std::string& restore_from, double resume_step) {
    TrialContext context{3,           budget,      (dir_ / "ck").string(), restore_from, (dir_ / "params.json").string(),
                         std::nullopt, {}, resume_step, "", "", ""};
    EXPECT_TRUE(WriteParamsJson(context.params_json_path, context.trial, budget, space, config).ok());
    const Result<std::vector<std::string>> argv = ExpandCommand(spec, space, config, context);
    EXPECT_TRUE(argv.ok()) << argv.status().message();
    auto trial = Start(*argv, options, BuildTrialEnvironment(spec, context, environ));
    std::vector<MetricReport> reports = RunToEnd(*trial);
    const TrialExit exit = trial->Finish();
    EXPECT_EQ(exit.outcome, TrialOutcome::kExited) << exit.message;
    EXPECT_EQ(exit.lines.malformed, 0);
    return reports;
  };

  const std::vector<MetricReport> first = run(3, "", 0.0);
  ASSERT_EQ(first.size(), 3u);
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].step, static_cast<double>(i + 1));
    EXPECT_TRUE(std::isfinite(first[i].value));
  }
  EXPECT_LT(first.back().value, first.front().value);
  ASSERT_TRUE(fs::exists(dir_ / "ck" / "checkpoint.json"));

  const std::string checkpoint = (dir_ / "ck" / "checkpoint.json").string();
  const std::vector<MetricReport> resumed = run(5, checkpoint, 3.0);
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_EQ(resumed[0].step, 4.0);
  EXPECT_EQ(resumed[1].step, 5.0);

  // The study resumes it from step 3 while its checkpoint is at 5 (the report of step
  // 5 was lost with a crash): it reports step 5 again, with the same value, and
  // trains on from there.
  const std::vector<MetricReport> ahead = run(6, checkpoint, 3.0);
  ASSERT_EQ(ahead.size(), 2u);
  EXPECT_EQ(ahead[0].step, 5.0);
  EXPECT_EQ(ahead[0].value, resumed[1].value);
  EXPECT_EQ(ahead[1].step, 6.0);
}

}  // namespace
}  // namespace mpitune
