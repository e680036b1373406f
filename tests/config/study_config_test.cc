#include "config/study_config.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace mpitune {
namespace {

constexpr char kSource[] = "study.yaml";

// A valid config; tests replace one section at a time.
struct Sections {
  std::string study = "study: {name: t}\n";
  std::string space =
      "space:\n  x1: {type: uniform, low: -5, high: 10}\n"
      "  x2: {type: uniform, low: 0, high: 15}\n";
  std::string scheduler;
  std::string trial = "trial: {objective: branin}\n";
  std::string resources;

  std::string Text() const { return study + space + scheduler + trial + resources; }
};

Result<StudyConfig> Parse(const std::string& text) { return ParseStudyConfig(text, kSource); }

// Parsing fails with a one-line BadInput message that starts with the source and
// contains `expected`.
void ExpectError(const std::string& text, const std::string& expected) {
  const auto result = Parse(text);
  ASSERT_FALSE(result.ok()) << "parsed OK but expected: " << expected << "\n" << text;
  const Status& status = result.status();
  EXPECT_EQ(status.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(status.message().rfind("study.yaml", 0), 0u) << status.message();
  EXPECT_NE(status.message().find(expected), std::string::npos)
      << "message: " << status.message() << "\nwanted: " << expected;
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
}

Sections WithScheduler(const std::string& body) {
  Sections s;
  s.scheduler = "scheduler:\n" + body;
  return s;
}

Sections WithTrial(const std::string& body) {
  Sections s;
  s.trial = "trial:\n" + body;
  return s;
}

Sections WithSpace(const std::string& body) {
  Sections s;
  s.space = "space:\n" + body;
  return s;
}

Sections WithStudy(const std::string& body) {
  Sections s;
  s.study = "study:\n" + body;
  return s;
}

// ---------------------------------------------------------------------------
// Valid configs.

TEST(StudyConfigTest, DefaultsAreFilledIn) {
  const auto config = Parse(Sections().Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->source, "study.yaml");
  EXPECT_EQ(config->yaml_text, Sections().Text());
  EXPECT_EQ(config->name, "t");
  EXPECT_EQ(config->metric, "loss");
  EXPECT_EQ(config->mode, MetricMode::kMin);
  EXPECT_EQ(config->seed, 0u);
  EXPECT_EQ(config->storage, "t.h5");
  const SchedulerOptions& s = config->scheduler;
  EXPECT_EQ(s.kind, SchedulerKind::kAsha);
  EXPECT_EQ(s.variant, AshaVariant::kPromotion);
  EXPECT_EQ(s.max_trials, 100);
  EXPECT_EQ(s.min_budget, 1.0);
  EXPECT_EQ(s.max_budget, 81.0);
  EXPECT_EQ(s.eta, 3.0);
  EXPECT_EQ(s.grace, 0);
  EXPECT_EQ(s.sampler.kind, SamplerKind::kRandom);
  EXPECT_EQ(s.sampler.grid_points, 5);
  EXPECT_EQ(config->trial.objective, "branin");
  EXPECT_TRUE(config->trial.command.empty());
  EXPECT_FALSE(config->trial.shell);
  EXPECT_EQ(config->trial.timeout_seconds, 0.0);
  EXPECT_EQ(config->trial.lost_after_seconds, 600.0);
  EXPECT_EQ(config->trial.metric_regex, "");
  EXPECT_EQ(config->trial.report_every, 1.0);
  EXPECT_TRUE(config->trial.env.empty());
  EXPECT_EQ(config->resources.gpus_per_trial, 1);
  EXPECT_TRUE(config->resources.devices.empty());
}

TEST(StudyConfigTest, NullValuesMeanDefaults) {
  Sections s = WithScheduler("  eta:\n  max_trials: ~\n");
  s.resources = "resources:\n";
  const auto config = Parse(s.Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->scheduler.eta, 3.0);
  EXPECT_EQ(config->scheduler.max_trials, 100);
}

constexpr char kFullConfig[] = R"yaml(
study:
  name: full_1.x-y
  metric: acc
  mode: max
  seed: 18446744073709551615
  storage: /tmp/out.h5
space:
  x1: {type: uniform, low: -5, high: 10}
  lr: {type: loguniform, low: 1.0e-5, high: 1.0e-1}
  layers: {type: int, low: 1, high: 8}
  units: {type: int, low: 16, high: 1024, log: true}
  opt: {type: choice, values: [sgd, adam]}
  bs: {type: constant, value: 64}
  mixed: [relu, 3, 0.5, true, "7", 'false']
  epochs: 10
  tag: hello
scheduler:
  type: hyperband
  variant: stopping
  max_trials: 500
  min_budget: 0.5
  max_budget: 40.5
  eta: 3
  grace: 2
  sampler: grid
  grid_points: 4
trial:
  command: [python3, train.py, --lr, "{lr}", "--out={checkpoint_dir}/m.pt", "{trial_id}"]
  shell: true
  timeout: 30.5
  lost_after: 90
  metric_regex: "val_acc=([0-9.]+)"
  report_every: 2
  env: {OMP_NUM_THREADS: 4, MODE: fast}
resources:
  gpus_per_trial: 2
  devices: [0, 3, 1]
)yaml";

TEST(StudyConfigTest, FullConfigRoundTrip) {
  const auto config = Parse(kFullConfig);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->name, "full_1.x-y");
  EXPECT_EQ(config->metric, "acc");
  EXPECT_EQ(config->mode, MetricMode::kMax);
  EXPECT_EQ(config->seed, UINT64_MAX);
  EXPECT_EQ(config->storage, "/tmp/out.h5");

  const SearchSpace& space = config->space;
  ASSERT_EQ(space.size(), 9u);
  const std::vector<std::string> names = {"x1", "lr",    "layers", "units", "opt",
                                          "bs", "mixed", "epochs", "tag"};
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(space.param(i).name, names[i]);
  EXPECT_EQ(space.param(0).type, ParamType::kUniform);
  EXPECT_EQ(space.param(0).low, -5.0);
  EXPECT_EQ(space.param(0).high, 10.0);
  EXPECT_EQ(space.param(1).type, ParamType::kLogUniform);
  EXPECT_DOUBLE_EQ(space.param(1).low, 1e-5);
  EXPECT_DOUBLE_EQ(space.param(1).high, 0.1);
  EXPECT_EQ(space.param(2).type, ParamType::kInt);
  EXPECT_FALSE(space.param(2).log);
  EXPECT_EQ(space.param(3).type, ParamType::kInt);
  EXPECT_TRUE(space.param(3).log);
  EXPECT_EQ(space.param(3).low, 16.0);
  EXPECT_EQ(space.param(3).high, 1024.0);
  EXPECT_EQ(space.param(4).type, ParamType::kChoice);
  EXPECT_EQ(space.param(4).choices,
            (std::vector<ParamValue>{std::string("sgd"), std::string("adam")}));
  EXPECT_EQ(space.param(5).type, ParamType::kConstant);
  EXPECT_EQ(space.param(5).choices, std::vector<ParamValue>{std::int64_t{64}});

  const SchedulerOptions& s = config->scheduler;
  EXPECT_EQ(s.kind, SchedulerKind::kHyperband);
  EXPECT_EQ(s.variant, AshaVariant::kStopping);
  EXPECT_EQ(s.mode, MetricMode::kMax);
  EXPECT_EQ(s.seed, UINT64_MAX);
  EXPECT_EQ(s.max_trials, 500);
  EXPECT_EQ(s.min_budget, 0.5);
  EXPECT_EQ(s.max_budget, 40.5);
  EXPECT_EQ(s.eta, 3.0);
  EXPECT_EQ(s.grace, 2);
  EXPECT_EQ(s.sampler.kind, SamplerKind::kGrid);
  EXPECT_EQ(s.sampler.grid_points, 4);

  const TrialSpec& t = config->trial;
  EXPECT_TRUE(t.objective.empty());
  EXPECT_EQ(t.command, (std::vector<std::string>{"python3", "train.py", "--lr", "{lr}",
                                                 "--out={checkpoint_dir}/m.pt", "{trial_id}"}));
  EXPECT_TRUE(t.shell);
  EXPECT_EQ(t.timeout_seconds, 30.5);
  EXPECT_EQ(t.lost_after_seconds, 90.0);
  EXPECT_EQ(t.metric_regex, "val_acc=([0-9.]+)");
  EXPECT_EQ(t.report_every, 2.0);
  EXPECT_EQ(t.env,
            (std::map<std::string, std::string>{{"MODE", "fast"}, {"OMP_NUM_THREADS", "4"}}));
  EXPECT_EQ(config->resources.gpus_per_trial, 2);
  EXPECT_EQ(config->resources.devices, (std::vector<int>{0, 3, 1}));
}

TEST(StudyConfigTest, ShorthandChoiceAndConstantKeepYamlTypes) {
  const auto config = Parse(kFullConfig);
  ASSERT_TRUE(config.ok()) << config.status().message();
  const SearchSpace& space = config->space;
  const ParamSpec& mixed = space.param(*space.Find("mixed"));
  EXPECT_EQ(mixed.type, ParamType::kChoice);
  ASSERT_EQ(mixed.choices.size(), 6u);
  EXPECT_EQ(mixed.choices[0], ParamValue(std::string("relu")));
  EXPECT_EQ(mixed.choices[1], ParamValue(std::int64_t{3}));
  EXPECT_EQ(mixed.choices[2], ParamValue(0.5));
  EXPECT_EQ(mixed.choices[3], ParamValue(true));
  // Quoted scalars stay strings.
  EXPECT_EQ(mixed.choices[4], ParamValue(std::string("7")));
  EXPECT_EQ(mixed.choices[5], ParamValue(std::string("false")));

  const ParamSpec& epochs = space.param(*space.Find("epochs"));
  EXPECT_EQ(epochs.type, ParamType::kConstant);
  EXPECT_EQ(epochs.choices, std::vector<ParamValue>{std::int64_t{10}});
  const ParamSpec& tag = space.param(*space.Find("tag"));
  EXPECT_EQ(tag.type, ParamType::kConstant);
  EXPECT_EQ(tag.choices, std::vector<ParamValue>{std::string("hello")});
}

// Regression (issue 9, item 2): a command given as one string was split on whitespace,
// quotes and all, without a word. One rule now: a list, never a string; the error shows
// the list to write.
TEST(StudyConfigTest, ACommandGivenAsOneStringIsRefusedWithAHint) {
  ExpectError(WithTrial("  command: \"python3  train.py\t--lr {x1} --name 'a b'\"\n").Text(),
              "trial.command: expected a list of arguments, got a string; write it as [python3, train.py, --lr, "
              "\"{x1}\", --name, \"'a\", \"b'\"] (each element one argument, nothing split), or with shell: true as "
              "one element: [\"python3  train.py\\t--lr {x1} --name 'a b'\"]");
  ExpectError(WithTrial("  command: run\n").Text(),
              "trial.command: expected a list of arguments, got a string; write it as [run]");
}

// Study files written before that rule keep their config text: they still resume, with
// the command split on whitespace as it was when they ran.
TEST(StudyConfigTest, AStoredCommandStringIsStillSplitOnWhitespace) {
  const auto config = ParseStudyConfig(
      WithTrial("  command: \"python3  train.py\t--lr {x1} --budget {budget}\"\n").Text(), kSource,
      ConfigOrigin::kStored);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->trial.command, (std::vector<std::string>{"python3", "train.py", "--lr", "{x1}",
                                                             "--budget", "{budget}"}));
}

TEST(StudyConfigTest, EveryBuiltinPlaceholderIsAccepted) {
  Sections s = WithTrial(
      "  command: [run, '{trial_id}', '{budget}', '{checkpoint_dir}', '{restore_from}',"
      " '{params_json}', '{resume_step}', '{x1}{x2}']\n");
  const auto config = Parse(s.Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
}

TEST(StudyConfigTest, BracesThatAreNotPlaceholdersAreLeftAlone) {
  Sections s =
      WithTrial("  command: [python3, -c, 'import json; print({}); d = {\"a\": 1}', '{ x }']\n");
  const auto config = Parse(s.Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
}

TEST(StudyConfigTest, QuotedNumbersAreAcceptedWhereANumberIsExpected) {
  const auto config = Parse(WithScheduler("  eta: '4'\n  max_trials: 1e3\n").Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->scheduler.eta, 4.0);
  EXPECT_EQ(config->scheduler.max_trials, 1000);
}

TEST(StudyConfigTest, TpeSamplerIsAccepted) {
  const auto config = Parse(WithScheduler("  sampler: tpe\n").Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->scheduler.sampler.kind, SamplerKind::kTpe);
}

TEST(StudyConfigTest, StorageDefaultsToNameDotH5) {
  const auto config = Parse(WithStudy("  name: my-study\n").Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->storage, "my-study.h5");
}

TEST(StudyConfigTest, ModeAndSeedAreCopiedIntoSchedulerOptions) {
  const auto config = Parse(WithStudy("  name: t\n  mode: max\n  seed: 42\n").Text());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->scheduler.mode, MetricMode::kMax);
  EXPECT_EQ(config->scheduler.seed, 42u);
}

TEST(StudyConfigTest, EmptySourceGetsAPlaceholderName) {
  const auto result = ParseStudyConfig("study: [", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message().rfind("<config>:", 0), 0u) << result.status().message();
}

// ---------------------------------------------------------------------------
// Errors from the brief, one per message shape.

TEST(StudyConfigErrorTest, EtaBelowTwo) {
  ExpectError(WithScheduler("  eta: 1\n").Text(),
              "study.yaml: scheduler.eta: expected a number >= 2, got 1");
}

TEST(StudyConfigErrorTest, UnknownKeySuggestsNearest) {
  ExpectError(WithScheduler("  max_trails: 10\n").Text(),
              "study.yaml: scheduler.max_trails: unknown key (did you mean max_trials?)");
}

TEST(StudyConfigErrorTest, UnknownKeyWithoutNearMatchListsKeys) {
  ExpectError(WithScheduler("  banana: 10\n").Text(),
              "scheduler.banana: unknown key (expected type, variant, max_trials");
}

TEST(StudyConfigErrorTest, UnknownKeysAtEveryLevel) {
  ExpectError("schedular: {}\n" + Sections().Text(),
              "study.yaml: schedular: unknown key (did you mean scheduler?)");
  ExpectError(WithStudy("  name: t\n  seeed: 1\n").Text(),
              "study.seeed: unknown key (did you mean seed?)");
  ExpectError(WithTrial("  objective: branin\n  timout: 3\n").Text(),
              "trial.timout: unknown key (did you mean timeout?)");
  Sections s;
  s.resources = "resources: {gpu_per_trial: 1}\n";
  ExpectError(s.Text(), "resources.gpu_per_trial: unknown key (did you mean gpus_per_trial?)");
  ExpectError(WithSpace("  x1: {type: uniform, low: 0, hgih: 1}\n  x2: 1\n").Text(),
              "space.x1.hgih: unknown key (did you mean high?)");
}

TEST(StudyConfigErrorTest, BadMode) {
  ExpectError(WithStudy("  name: t\n  mode: minimize\n").Text(),
              "study.yaml: study.mode: expected min or max, got 'minimize'");
}

TEST(StudyConfigErrorTest, NonIntegerMaxTrials) {
  ExpectError(WithScheduler("  max_trials: ten\n").Text(),
              "study.yaml: scheduler.max_trials: expected an integer, got 'ten'");
  ExpectError(WithScheduler("  max_trials: 1.5\n").Text(),
              "scheduler.max_trials: expected an integer, got 1.5");
  ExpectError(WithScheduler("  max_trials: 0\n").Text(),
              "scheduler.max_trials: expected an integer >= 1, got 0");
}

TEST(StudyConfigErrorTest, TrialNeedsExactlyOneOfObjectiveOrCommand) {
  ExpectError(WithTrial("  objective: branin\n  command: [run]\n").Text(),
              "study.yaml: trial: set exactly one of objective or command");
  ExpectError(WithTrial("  shell: true\n").Text(),
              "study.yaml: trial: set exactly one of objective or command");
}

TEST(StudyConfigErrorTest, UnknownPlaceholder) {
  Sections s = WithSpace("  lr: {type: loguniform, low: 1.0e-5, high: 1.0}\n");
  s.trial = "trial:\n  command: [python3, train.py, --lr, '{lrr}']\n";
  ExpectError(s.Text(), "study.yaml: trial.command: '{lrr}' is not a space parameter");
  ExpectError(s.Text(), "(did you mean {lr}?)");
}

TEST(StudyConfigErrorTest, YamlSyntaxErrorHasLineAndColumn) {
  ExpectError("study: {name: t}\nspace: [1, 2\ntrial: x\n", "study.yaml:3:");
  ExpectError("study: {name: t}\nspace: [1, 2\ntrial: x\n", ": invalid YAML: ");
  ExpectError("study:\n  name: t\n\tseed: 1\n", "study.yaml:3:1: invalid YAML: ");
}

TEST(StudyConfigErrorTest, MissingFileIsAnIoError) {
  const std::string path = "/nonexistent/dir/study.yaml";
  const auto result = LoadStudyConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kIo);
  EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status().message();
}

TEST(StudyConfigErrorTest, DirectoryIsAnIoError) {
  const std::string path = std::filesystem::temp_directory_path().string();
  const auto result = LoadStudyConfigFile(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kIo);
  EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status().message();
}

TEST(StudyConfigTest, LoadsAFileAndUsesItsPathAsSource) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "mpitune_study_config_test.yaml";
  {
    std::ofstream out(path);
    out << Sections().Text();
  }
  const auto config = LoadStudyConfigFile(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->source, path.string());
  EXPECT_EQ(config->yaml_text, Sections().Text());
}

TEST(StudyConfigErrorTest, WrongNodeTypesDoNotThrow) {
  ExpectError("study: [a, b]\n" + Sections().space + Sections().trial,
              "study: expected a mapping, got a sequence");
  ExpectError(WithStudy("  name: {a: 1}\n").Text(), "study.name: expected a name of letters");
  ExpectError(WithScheduler("  eta: [3]\n").Text(),
              "scheduler.eta: expected a number >= 2, got a sequence");
  ExpectError(WithScheduler("  type: {a: 1}\n").Text(),
              "scheduler.type: expected fifo, sha, asha, hyperband or pbt, got a mapping");
  ExpectError(WithTrial("  objective: [branin]\n").Text(),
              "trial.objective: expected a built-in objective");
  ExpectError(WithTrial("  command: {a: b}\n").Text(),
              "trial.command: expected a non-empty list");
  ExpectError(WithTrial("  command: [run, [x]]\n").Text(),
              "trial.command[1]: expected a string, got a sequence");
  ExpectError(WithTrial("  objective: branin\n  env: [a]\n").Text(),
              "trial.env: expected a mapping");
  ExpectError(WithTrial("  objective: branin\n  env: {A: {b: 1}}\n").Text(),
              "trial.env.A: expected a string");
  ExpectError(WithSpace("  x1: {type: choice, values: [a, {b: 1}]}\n").Text(),
              "space.x1.values[1]: expected a string, number or bool, got a mapping");
  Sections s;
  s.resources = "resources: {devices: {a: 1}}\n";
  ExpectError(s.Text(), "resources.devices: expected a sequence of device numbers, got a mapping");
  ExpectError("- 1\n- 2\n", "study.yaml: document: expected a mapping");
  ExpectError("just a string\n", "study.yaml: document: expected a mapping");
}

// ---------------------------------------------------------------------------
// More errors, section by section.

TEST(StudyConfigErrorTest, EmptyAndMultiDocumentInput) {
  ExpectError("", "study.yaml: empty config");
  ExpectError("# only a comment\n", "study.yaml: empty config");
  ExpectError(Sections().Text() + "---\n" + Sections().Text(),
              "study.yaml: expected one YAML document, got 2");
  ExpectError("# a comment\n---\n---\n", "study.yaml: empty config");
  ExpectError("---\n---\n" + Sections().Text(), "study.yaml: expected one YAML document, got 2");
  // A trailing document marker adds no content.
  const auto config = Parse("---\n" + Sections().Text() + "---\n");
  EXPECT_TRUE(config.ok()) << config.status().message();
}

// yaml-cpp 0.7's LoadAll never returns on these (yaml-cpp issue #1040).
TEST(StudyConfigErrorTest, StrayCommaIsASyntaxErrorNotAHang) {
  ExpectError(",", "study.yaml:1:1: invalid YAML: unexpected ','");
  ExpectError("# header\n, " + Sections().Text(), "study.yaml:2:1: invalid YAML: unexpected ','");
  ExpectError(Sections().Text() + "---\n,\n", "study.yaml:7:1: invalid YAML: unexpected ','");
}

TEST(StudyConfigErrorTest, MissingSections) {
  Sections s;
  s.study = "";
  ExpectError(s.Text(), "study.yaml: study: required section is missing");
  s = Sections();
  s.space = "";
  ExpectError(s.Text(), "study.yaml: space: required section is missing");
  s = Sections();
  s.trial = "";
  ExpectError(s.Text(), "study.yaml: trial: required section is missing");
}

TEST(StudyConfigErrorTest, DuplicateKeys) {
  ExpectError(WithScheduler("  eta: 3\n  eta: 4\n").Text(), "scheduler.eta: duplicate key");
  ExpectError(WithSpace("  x1: 1\n  x1: 2\n").Text(), "space.x1: duplicate parameter");
}

TEST(StudyConfigErrorTest, StudyName) {
  ExpectError(WithStudy("  metric: loss\n").Text(), "study.name: required key is missing");
  ExpectError(WithStudy("  name: my study\n").Text(),
              "study.name: expected a name of letters, digits, '_', '.' or '-', got 'my study'");
  ExpectError(WithStudy("  name: 'a/b'\n").Text(), "study.name: expected a name");
  ExpectError(WithStudy("  name: ''\n").Text(), "study.name: expected a name");
}

TEST(StudyConfigErrorTest, StudyFields) {
  ExpectError(WithStudy("  name: t\n  seed: -1\n").Text(),
              "study.seed: expected a non-negative integer, got -1");
  ExpectError(WithStudy("  name: t\n  seed: 1.5\n").Text(),
              "study.seed: expected a non-negative integer, got 1.5");
  ExpectError(WithStudy("  name: t\n  seed: 18446744073709551616\n").Text(),
              "study.seed: expected a non-negative integer");
  ExpectError(WithStudy("  name: t\n  metric: ''\n").Text(),
              "study.metric: expected a non-empty string, got ''");
  ExpectError(WithStudy("  name: t\n  storage: [a]\n").Text(),
              "study.storage: expected a non-empty string, got a sequence");
}

TEST(StudyConfigErrorTest, SpaceShape) {
  ExpectError(WithSpace("  []\n").Text(),
              "space: expected a non-empty mapping of parameters, got a sequence");
  ExpectError("study: {name: t}\nspace: {}\ntrial: {objective: branin}\n",
              "space: expected a non-empty mapping of parameters, got a mapping");
  ExpectError(WithSpace("  x1:\n").Text(),
              "space.x1: expected a parameter mapping, a sequence (choice) or a scalar (constant), "
              "got null");
}

TEST(StudyConfigErrorTest, SpaceParamType) {
  ExpectError(WithSpace("  x1: {low: 0, high: 1}\n").Text(),
              "space.x1.type: required (uniform, loguniform, int, choice or constant)");
  ExpectError(WithSpace("  x1: {type: unifrom, low: 0, high: 1}\n").Text(),
              "space.x1.type: expected uniform, loguniform, int, choice or constant, got 'unifrom' "
              "(did you mean uniform?)");
  ExpectError(WithSpace("  x1: {type: uniform, low: 0, high: 1, log: true}\n").Text(),
              "space.x1.log: not allowed for type uniform (expected type, low or high)");
  ExpectError(WithSpace("  x1: {type: choice, values: [a], value: a}\n").Text(),
              "space.x1.value: not allowed for type choice");
}

TEST(StudyConfigErrorTest, SpaceRanges) {
  ExpectError(WithSpace("  x1: {type: uniform, high: 1}\n").Text(),
              "space.x1.low: required for type uniform");
  ExpectError(WithSpace("  x1: {type: uniform, low: 0}\n").Text(),
              "space.x1.high: required for type uniform");
  ExpectError(WithSpace("  x1: {type: uniform, low: a, high: 1}\n").Text(),
              "space.x1.low: expected a number, got 'a'");
  ExpectError(WithSpace("  x1: {type: uniform, low: .nan, high: 1}\n").Text(),
              "space.x1.low: expected a number, got .nan");
  ExpectError(WithSpace("  x1: {type: uniform, low: 0, high: .inf}\n").Text(),
              "space.x1.high: expected a number, got .inf");
  ExpectError(WithSpace("  x1: {type: uniform, low: 2, high: 1}\n").Text(),
              "space.x1.high: must be > low (2), got 1");
  ExpectError(WithSpace("  x1: {type: uniform, low: 1, high: 1}\n").Text(),
              "space.x1.high: must be > low (1), got 1");
  ExpectError(WithSpace("  lr: {type: loguniform, low: 0, high: 1}\n").Text(),
              "study.yaml: space.lr.low: must be > 0 for loguniform, got 0");
  ExpectError(WithSpace("  n: {type: int, low: 0, high: 8, log: true}\n").Text(),
              "space.n.low: must be > 0 for int with log: true, got 0");
  ExpectError(WithSpace("  n: {type: int, low: 1.5, high: 8}\n").Text(),
              "space.n.low: expected an integer, got 1.5");
  ExpectError(WithSpace("  n: {type: int, low: 1, high: 8, log: yes}\n").Text(),
              "space.n.log: expected true or false, got 'yes'");
}

TEST(StudyConfigErrorTest, SpaceChoicesAndConstants) {
  ExpectError(WithSpace("  c: {type: choice}\n").Text(),
              "space.c.values: required for type choice");
  ExpectError(WithSpace("  c: {type: choice, values: []}\n").Text(),
              "space.c.values: expected a non-empty sequence of values, got a sequence");
  ExpectError(WithSpace("  c: {type: choice, values: a}\n").Text(),
              "space.c.values: expected a non-empty sequence of values, got 'a'");
  ExpectError(WithSpace("  c: [a, b, a]\n").Text(), "space.c[2]: duplicate value 'a'");
  ExpectError(WithSpace("  c: [1, ~]\n").Text(),
              "space.c[1]: expected a string, number or bool, got null");
  ExpectError(WithSpace("  k: {type: constant}\n").Text(),
              "space.k.value: required for type constant");
  ExpectError(WithSpace("  k: {type: constant, value: [1]}\n").Text(),
              "space.k.value: expected a string, number or bool, got a sequence");
}

TEST(StudyConfigErrorTest, SchedulerEnums) {
  ExpectError(
      WithScheduler("  type: ashaa\n").Text(),
      "scheduler.type: expected fifo, sha, asha, hyperband or pbt, got 'ashaa' (did you mean asha?)");
  ExpectError(WithScheduler("  variant: stop\n").Text(),
              "scheduler.variant: expected promotion or stopping, got 'stop'");
  ExpectError(WithScheduler("  type: fifo\n  variant: stopping\n").Text(),
              "scheduler.variant: only applies to asha and hyperband, not fifo");
  ExpectError(WithScheduler("  type: sha\n  variant: promotion\n").Text(),
              "scheduler.variant: only applies to asha and hyperband, not sha");
  ExpectError(WithScheduler("  sampler: sobol\n").Text(),
              "scheduler.sampler: expected random, quasi, grid or tpe, got 'sobol'");
}

TEST(StudyConfigErrorTest, SchedulerNumbers) {
  ExpectError(WithScheduler("  min_budget: 0\n").Text(),
              "scheduler.min_budget: expected a number > 0, got 0");
  ExpectError(WithScheduler("  min_budget: -1\n").Text(),
              "scheduler.min_budget: expected a number > 0, got -1");
  ExpectError(WithScheduler("  min_budget: 4\n  max_budget: 2\n").Text(),
              "scheduler.max_budget: expected a number >= min_budget (4), got 2");
  ExpectError(WithScheduler("  min_budget: 100\n").Text(),
              "scheduler.min_budget: must be <= max_budget (81, the default), got 100");
  ExpectError(WithScheduler("  eta: two\n").Text(),
              "scheduler.eta: expected a number >= 2, got 'two'");
  ExpectError(WithScheduler("  grace: -1\n").Text(),
              "scheduler.grace: expected an integer >= 0, got -1");
  ExpectError(WithScheduler("  grid_points: 1\n").Text(),
              "scheduler.grid_points: expected an integer >= 2, got 1");
  ExpectError(WithScheduler("  grid_points: 3000000000\n").Text(),
              "scheduler.grid_points: expected an integer <= 2147483647");
  ExpectError(WithScheduler("  max_trials: 99999999999999999999\n").Text(),
              "scheduler.max_trials: expected an integer");
}

TEST(StudyConfigErrorTest, TrialObjective) {
  ExpectError(WithTrial("  objective: brainn\n").Text(),
              "trial.objective: expected a built-in objective (branin, hartmann6, curve, sgd or pbt_toy), got "
              "'brainn' (did you mean branin?)");
}

TEST(StudyConfigErrorTest, TrialCommand) {
  ExpectError(WithTrial("  command: []\n").Text(),
              "trial.command: expected a non-empty list of strings, got a sequence");
  ExpectError(WithTrial("  command: ['']\n").Text(), "trial.command: expected a non-empty list");
  ExpectError(WithTrial("  command: [run, '{x3}']\n").Text(),
              "trial.command: '{x3}' is not a space parameter");
  ExpectError(WithTrial("  command: [run, '--b={budgett}']\n").Text(), "(did you mean {budget}?)");
  Sections s = WithSpace("  budget: {type: uniform, low: 0, high: 1}\n");
  s.trial = "trial: {command: [run, '{budget}']}\n";
  ExpectError(s.Text(), "space.budget: clashes with the built-in command placeholder {budget}");
}

TEST(StudyConfigErrorTest, TrialFields) {
  const std::string run = "  command: [run]\n";
  ExpectError(WithTrial(run + "  shell: 1\n").Text(), "trial.shell: expected true or false, got 1");
  ExpectError(WithTrial(run + "  timeout: -1\n").Text(),
              "trial.timeout: expected a number >= 0, got -1");
  ExpectError(WithTrial(run + "  lost_after: soon\n").Text(),
              "trial.lost_after: expected a number >= 0, got 'soon'");
  ExpectError(WithTrial(run + "  report_every: 0\n").Text(),
              "trial.report_every: expected a number > 0, got 0");
  ExpectError(WithTrial(run + "  metric_regex: 'loss=[0-9.]+'\n").Text(),
              "trial.metric_regex: needs a capture group for the metric, got 'loss=[0-9.]+'");
  ExpectError(WithTrial(run + "  metric_regex: 'loss=([0-9.]+'\n").Text(),
              "trial.metric_regex: invalid regular expression 'loss=([0-9.]+': ");
  ExpectError(WithTrial(run + "  env: {1BAD: x}\n").Text(),
              "trial.env: expected variable names of letters, digits and '_', got '1BAD'");
}

TEST(StudyConfigErrorTest, Resources) {
  Sections s;
  s.resources = "resources: {gpus_per_trial: -1}\n";
  ExpectError(s.Text(), "resources.gpus_per_trial: expected an integer >= 0, got -1");
  s.resources = "resources: {devices: [0, -1]}\n";
  ExpectError(s.Text(), "resources.devices[1]: expected an integer >= 0, got -1");
  s.resources = "resources: {devices: [0, gpu1]}\n";
  ExpectError(s.Text(), "resources.devices[1]: expected an integer, got 'gpu1'");
  s.resources = "resources: {devices: [0, 1, 0]}\n";
  ExpectError(s.Text(), "resources.devices[2]: duplicate device 0");
  s.resources = "resources: 3\n";
  ExpectError(s.Text(), "resources: expected a mapping, got 3");
}

TEST(StudyConfigErrorTest, MultiLineValuesStayOnOneLine) {
  ExpectError(WithStudy("  name: t\n  mode: |\n    min\n    max\n").Text(),
              "study.mode: expected min or max, got 'min\\nmax\\n'");
  ExpectError(WithSpace("  \"a\\nb\": {type: uniform, low: 0, high: 1, log: true}\n").Text(),
              "space.a\\nb: a parameter name must not contain control characters");
}

TEST(StudyConfigErrorTest, LongValuesAreTruncated) {
  const std::string long_value(200, 'z');
  const auto result = Parse(WithStudy("  name: t\n  mode: " + long_value + "\n").Text());
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.status().message().size(), 120u) << result.status().message();
}

// ---------------------------------------------------------------------------
// The shipped configs.

TEST(StudyConfigTest, EveryShippedConfigParses) {
  const std::filesystem::path dir = std::filesystem::path(MPITUNE_SOURCE_DIR) / "configs";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string extension = entry.path().extension().string();
    if (extension != ".yaml" && extension != ".yml") continue;
    ++count;
    const auto config = LoadStudyConfigFile(entry.path().string());
    EXPECT_TRUE(config.ok()) << entry.path() << ": " << config.status().message();
  }
  EXPECT_GE(count, 4);
}

TEST(StudyConfigTest, DefaultConfigIsTheSmallBraninStudy) {
  const auto config = LoadStudyConfigFile(
      (std::filesystem::path(MPITUNE_SOURCE_DIR) / "configs/default.yaml").string());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->trial.objective, "branin");
  EXPECT_EQ(config->scheduler.kind, SchedulerKind::kAsha);
  EXPECT_EQ(config->scheduler.max_trials, 60);
  EXPECT_EQ(config->scheduler.min_budget, 1.0);
  EXPECT_EQ(config->scheduler.max_budget, 27.0);
  EXPECT_EQ(config->scheduler.eta, 3.0);
  EXPECT_EQ(config->seed, 7u);
  ASSERT_EQ(config->space.size(), 2u);
  EXPECT_EQ(config->space.param(0).name, "x1");
  EXPECT_EQ(config->space.param(1).name, "x2");
}

}  // namespace
}  // namespace mpitune

namespace mpitune {
namespace {

// Issue: a NUL byte in a choice value and parameter names ".", "../x" or "a/b" were
// caught only when the study file was made, naming "<name>.h5.tmp".
TEST(StudyConfigErrorTest, NamesAndValuesTheStudyFileCannotHoldAreRefusedNamingTheKey) {
  ExpectError(WithSpace("  \"../x\": [1, 2]\n").Text(), "space.../x: a parameter name must not contain '/'");
  ExpectError(WithSpace("  \"a/b\": [1, 2]\n").Text(), "space.a/b: a parameter name must not contain '/'");
  ExpectError(WithSpace("  \".\": [1, 2]\n").Text(), "space..: a parameter name must not be '.' or '..'");
  ExpectError(WithSpace("  \"..\": [1, 2]\n").Text(), "space...: a parameter name must not be '.' or '..'");
  ExpectError(WithSpace("  c: [\"a\\0b\", b]\n").Text(), "space.c[0]: contains a NUL byte");
  ExpectError(WithSpace("  c: {type: constant, value: \"x\\0\"}\n").Text(), "space.c.value: contains a NUL byte");
}

// Issue: choice lists were quadratic (30,000 values took 4.8 s, 100,000 timed out).
TEST(StudyConfigTest, AHundredThousandChoicesLoad) {
  std::string values;
  for (int i = 0; i < 100000; ++i) values += (i > 0 ? ", v" : "v") + std::to_string(i);
  Result<StudyConfig> config = ParseStudyConfig(WithSpace("  c: [" + values + "]\n").Text(), "big.yaml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->space.param(config->space.size() - 1).choices.size(), 100000u);
  std::string repeated = values + ", v99999";
  ExpectError(WithSpace("  c: [" + repeated + "]\n").Text(), "space.c[100000]: duplicate value 'v99999'");
}

}  // namespace
}  // namespace mpitune
