// Links mpitune_config and what it declares it needs (core, yaml-cpp) and nothing else.
#include <cstdio>

#include "config/study_config.h"

int main() {
  const mpitune::Result<mpitune::StudyConfig> config = mpitune::ParseStudyConfig(
      "study: {name: alone}\nspace: {x: {type: uniform, low: 0, high: 1}}\ntrial: {objective: curve}\n", "alone.yaml");
  if (!config.ok()) std::fprintf(stderr, "%s\n", config.status().message().c_str());
  return config.ok() ? 0 : 1;
}
