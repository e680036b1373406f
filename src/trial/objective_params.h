// Checks on search-space parameters shared by the built-in objectives.
#pragma once

#include <algorithm>
#include <string>
#include <variant>

#include "mpitune/space.h"

namespace mpitune {

// A parameter every config can be read as a number from (Numeric() never fails).
inline bool IsNumericParam(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::kUniform:
    case ParamType::kLogUniform:
    case ParamType::kInt:
      return true;
    case ParamType::kChoice:
    case ParamType::kConstant:
      return std::none_of(spec.choices.begin(), spec.choices.end(), [](const ParamValue& value) {
        return std::holds_alternative<std::string>(value);
      });
  }
  return false;
}

}  // namespace mpitune
