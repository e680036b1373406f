// Helpers shared by the scheduler tests: a one-parameter space and option builders.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "mpitune/scheduler.h"

namespace mpitune::testing {

inline SearchSpace OneParamSpace() {
  ParamSpec x;
  x.name = "x";
  x.type = ParamType::kUniform;
  x.low = 0.0;
  x.high = 1.0;
  Result<SearchSpace> space = SearchSpace::Create({x});
  EXPECT_TRUE(space.ok()) << space.status().message();
  return *space;
}

inline SchedulerOptions Options(SchedulerKind kind, double min_budget, double max_budget, std::int64_t max_trials,
                                AshaVariant variant = AshaVariant::kPromotion) {
  SchedulerOptions options;
  options.kind = kind;
  options.variant = variant;
  options.min_budget = min_budget;
  options.max_budget = max_budget;
  options.max_trials = max_trials;
  options.eta = 3;
  options.seed = 11;
  EXPECT_TRUE(ValidateSchedulerOptions(options).ok());
  return options;
}

inline Assignment ExpectAssignment(const NextAction& action) {
  EXPECT_TRUE(std::holds_alternative<Assignment>(action)) << "expected an assignment";
  if (const auto* assignment = std::get_if<Assignment>(&action)) return *assignment;
  return Assignment{};
}

inline bool IsWait(const NextAction& action) { return std::holds_alternative<Wait>(action); }
inline bool IsDone(const NextAction& action) { return std::holds_alternative<Done>(action); }

}  // namespace mpitune::testing
