// Search spaces from EasyRec: its hyperparams.json (linked names included) and the
// NNI search_space.json of its newer HPO, into parameters; a config's space_from
// stores the imported space in the config text, which reads back to the same space.
#include "config/easyrec_space.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "config/study_config.h"

namespace mpitune {
namespace {

TEST(EasyRecSpaceTest, HyperparamsJsonWithLinkedNames) {
  const auto params = ParseEasyRecSpace(R"([
    {"type": "Categorical", "name": "feature_config.features[:].embedding_dim", "candidates": ["16", "32", "adam"]},
    {"type": "Categorical", "name": "a.hidden;b.hidden", "candidates": ["32;32", "64;128"]},
    {"type": "Integer", "name": "data_config.batch_size", "min_value": 512, "max_value": 4096},
    {"type": "Real", "name": "lr", "min_value": 1e-4, "max_value": 0.01}])",
                                        "hp.json");
  ASSERT_TRUE(params.ok()) << params.status().message();
  ASSERT_EQ(params->size(), 4u);
  EXPECT_EQ((*params)[0].type, ParamType::kChoice);
  EXPECT_EQ((*params)[0].choices[0], ParamValue(std::int64_t{16}));
  EXPECT_EQ((*params)[0].choices[2], ParamValue(std::string("adam")));
  EXPECT_EQ((*params)[1].name, "a.hidden;b.hidden");
  EXPECT_EQ((*params)[1].choices[1], ParamValue(std::string("64;128")));
  EXPECT_EQ((*params)[2].type, ParamType::kInt);
  EXPECT_EQ((*params)[2].high, 4096);
  EXPECT_EQ((*params)[3].type, ParamType::kUniform);
}

TEST(EasyRecSpaceTest, NniSearchSpace) {
  const auto params = ParseEasyRecSpace(R"({
    "a": {"_type": "choice", "_value": [2048, 1024, "x"]},
    "b": {"_type": "randint", "_value": [4, 16]},
    "c": {"_type": "uniform", "_value": [0.000001, 0.0001]},
    "d": {"_type": "loguniform", "_value": [0.001, 0.1]},
    "e": {"_type": "quniform", "_value": [0, 10, 2.5]}})",
                                        "ss.json");
  ASSERT_TRUE(params.ok()) << params.status().message();
  ASSERT_EQ(params->size(), 5u);
  EXPECT_EQ((*params)[1].low, 4);
  EXPECT_EQ((*params)[1].high, 15);  // NNI's upper bound is exclusive
  EXPECT_EQ((*params)[3].type, ParamType::kLogUniform);
  ASSERT_EQ((*params)[4].choices.size(), 5u);
  EXPECT_EQ((*params)[4].choices[3], ParamValue(7.5));
}

TEST(EasyRecSpaceTest, BadEntriesNameTheFileAndTheEntry) {
  const auto message = [](const std::string& text) { return ParseEasyRecSpace(text, "f.json").status().message(); };
  EXPECT_NE(message(R"([{"type":"Categorical","name":"a;b","candidates":["1;2","3"]}])").find("f.json: [0].candidates[1]"),
            std::string::npos);
  EXPECT_NE(message(R"([{"type":"Float","name":"x"}])").find("Categorical, Integer or Real"), std::string::npos);
  EXPECT_NE(message(R"([{"type":"Integer","name":"x","min_value":1}])").find("max_value"), std::string::npos);
  EXPECT_NE(message(R"({"x":{"_type":"normal","_value":[0,1]}})").find("x._type"), std::string::npos);
  EXPECT_NE(message(R"({"x":{"_type":"choice","_value":[["a"],["b"]]}})").find("lists are not supported"),
            std::string::npos);
  EXPECT_NE(message("[]").find("not empty"), std::string::npos);
  EXPECT_NE(message(R"({"x":{"_type":"uniform","_value":[1,0]}})").find("x"), std::string::npos);
}

TEST(EasyRecSpaceTest, SpaceFromIsStoredWrittenOutAndReadsBackTheSame) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "mpitune_easyrec_space_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "hp.json") << R"([{"type": "Categorical", "name": "e;f", "candidates": ["16;8", "32;4"]},
    {"type": "Categorical", "name": "s", "candidates": ["0.5", "x y", "true"]},
    {"type": "Real", "name": "lr", "min_value": 1, "max_value": 2}])";
  const std::string yaml =
      "study: {name: er}\nspace_from: hp.json\nspace:\n  extra: [a, b]\n"
      "scheduler: {type: fifo, max_trials: 2, min_budget: 1, max_budget: 1}\ntrial: {command: [\"true\"]}\n";
  const auto config = ParseStudyConfig(yaml, (dir / "study.yaml").string());
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->space.size(), 4u);
  EXPECT_EQ(config->space.param(3).name, "extra");
  EXPECT_EQ(config->yaml_text.find("space_from"), std::string::npos) << config->yaml_text;
  const auto stored = ParseStudyConfig(config->yaml_text, "stored", ConfigOrigin::kStored);
  ASSERT_TRUE(stored.ok()) << stored.status().message() << "\n" << config->yaml_text;
  EXPECT_EQ(stored->space.Hash(), config->space.Hash()) << config->yaml_text;
  EXPECT_EQ(std::get<double>(stored->space.param(1).choices[0]), 0.5);
  EXPECT_EQ(std::get<bool>(stored->space.param(1).choices[2]), true);

  const auto missing = ParseStudyConfig("study: {name: er}\nspace_from: nothere.json\ntrial: {command: [\"true\"]}\n",
                                        (dir / "study.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("space_from"), std::string::npos);
  EXPECT_NE(missing.status().message().find("nothere.json"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mpitune
