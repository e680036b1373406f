// trial.config_template: {{name}} placeholders checked at load time, rendered per
// trial; a template read from a file is kept in the stored config as text.
#include "config/config_template.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "config/study_config.h"

namespace mpitune {
namespace {

TEST(ConfigTemplateTest, RendersNamesAndLeavesOtherBracesAlone) {
  const auto rendered = RenderConfigTemplate("a: {{ x }}\nb: {{a;b}} {json: 1} {{budget}}\n",
                                             [](const std::string& name) -> std::optional<std::string> {
                                               if (name == "x") return "0.5";
                                               if (name == "a;b") return "32;64";
                                               if (name == "budget") return "3";
                                               return std::nullopt;
                                             });
  ASSERT_TRUE(rendered.ok()) << rendered.status().message();
  EXPECT_EQ(*rendered, "a: 0.5\nb: 32;64 {json: 1} 3\n");
  EXPECT_FALSE(RenderConfigTemplate("{{y}}", [](const std::string&) { return std::nullopt; }).ok());
}

TEST(ConfigTemplateTest, UnknownNamesAndUnclosedBracesAreLoadErrors) {
  const SearchSpace space = SearchSpace::Create({{"lr", ParamType::kUniform, 0, 1, false, {}}}).value();
  EXPECT_TRUE(CheckConfigTemplate("{{lr}} {{trial_id}} {{ checkpoint_dir }}", space, "t").ok());
  EXPECT_NE(CheckConfigTemplate("{{lrr}}", space, "t").message().find("'{{lrr}}'"), std::string::npos);
  EXPECT_NE(CheckConfigTemplate("{{lr\n}}", space, "t").message().find("unclosed"), std::string::npos);
}

TEST(ConfigTemplateTest, AFileTemplateIsStoredAsText) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "mpitune_config_template_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "p.config.tmpl") << "lr: {{lr}}\n";
  const std::string yaml =
      "study: {name: t}\nspace: {lr: {type: uniform, low: 0, high: 1}}\n"
      "trial:\n  command: [train, \"{config_file}\"]\n  config_template: {path: p.config.tmpl}\n";
  const auto config = ParseStudyConfig(yaml, (dir / "study.yaml").string());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(*config->trial.config_template, "lr: {{lr}}\n");
  EXPECT_EQ(config->trial.config_template_output, "p.config.tmpl");
  std::filesystem::remove_all(dir);
  const auto stored = ParseStudyConfig(config->yaml_text, "stored", ConfigOrigin::kStored);
  ASSERT_TRUE(stored.ok()) << stored.status().message() << "\n" << config->yaml_text;
  EXPECT_EQ(*stored->trial.config_template, "lr: {{lr}}\n");
  EXPECT_EQ(stored->trial.config_template_output, "p.config.tmpl");

  const auto bad = ParseStudyConfig(
      "study: {name: t}\nspace: {lr: [1, 2]}\ntrial:\n  command: [x]\n  config_template: {text: a, output: ../x}\n",
      "s.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("trial.config_template.output"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace mpitune
