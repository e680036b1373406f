// Builders for parameter specs and spaces, shared by the space and sampler tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "mpitune/space.h"

namespace mpitune::testing {

inline ParamSpec Spec(std::string name, ParamType type, double low, double high, bool log = false) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = type;
  p.low = low;
  p.high = high;
  p.log = log;
  return p;
}

inline ParamSpec Uniform(std::string name, double low, double high) {
  return Spec(std::move(name), ParamType::kUniform, low, high);
}

inline ParamSpec LogUniform(std::string name, double low, double high) {
  return Spec(std::move(name), ParamType::kLogUniform, low, high);
}

inline ParamSpec Int(std::string name, double low, double high, bool log = false) {
  return Spec(std::move(name), ParamType::kInt, low, high, log);
}

inline ParamSpec Choice(std::string name, std::vector<ParamValue> values) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kChoice;
  p.choices = std::move(values);
  return p;
}

inline ParamSpec Constant(std::string name, ParamValue value) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kConstant;
  p.choices = {std::move(value)};
  return p;
}

inline SearchSpace MustCreate(std::vector<ParamSpec> params) {
  Result<SearchSpace> space = SearchSpace::Create(std::move(params));
  EXPECT_TRUE(space.ok()) << space.status().message();
  return space.ok() ? *space : SearchSpace();
}

// One parameter of every type: x uniform, lr loguniform, layers int, batch log int,
// opt choice, epochs constant.
inline SearchSpace MixedSpace() {
  return MustCreate({
      Spec("x", ParamType::kUniform, -1, 1),
      Spec("lr", ParamType::kLogUniform, 1e-5, 1e-1),
      Spec("layers", ParamType::kInt, 1, 8),
      Spec("batch", ParamType::kInt, 16, 1024, /*log=*/true),
      Choice("opt", {std::string("sgd"), std::string("adam"), std::string("lamb")}),
      Constant("epochs", std::int64_t{10}),
  });
}

}  // namespace mpitune::testing
