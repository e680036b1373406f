// EasyRec's hpo_param file: original names, typed values, linked names split.
#include "trial/easyrec_param.h"

#include <gtest/gtest.h>

namespace mpitune {
namespace {

TEST(EasyRecParamTest, LinkedNamesSplitIntoTypedValues) {
  std::vector<ParamSpec> specs(3);
  specs[0] = {"feature_config.features[:].embedding_dim", ParamType::kInt, 8, 64, false, {}};
  specs[1] = {"a.hidden;b.hidden", ParamType::kChoice, 0, 1, false, {std::string("32;64"), std::string("1;x")}};
  specs[2] = {"opt", ParamType::kChoice, 0, 1, false, {std::string("0.5"), true}};
  const SearchSpace space = SearchSpace::Create(specs).value();
  const auto json = EasyRecParamJson(space, {std::int64_t{48}, std::string("32;64"), std::string("0.5")});
  EXPECT_EQ(json.dump(), R"({"param":{"feature_config.features[:].embedding_dim":48,"a.hidden":32,"b.hidden":64,"opt":"0.5"}})");
  const auto other = EasyRecParamJson(space, {std::int64_t{8}, std::string("1;x"), true});
  EXPECT_EQ(other["param"]["b.hidden"], "x");
  EXPECT_EQ(other["param"]["opt"], true);
}

}  // namespace
}  // namespace mpitune
