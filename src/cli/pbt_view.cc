#include "cli/pbt_view.h"

#include <cmath>

#include <fmt/format.h>

#include "trial/params_json.h"

namespace mpitune::cli {

namespace {

using Json = nlohmann::ordered_json;

Json Number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

}  // namespace

std::vector<const StudyTrial*> PopulationMembers(const Study& study) {
  std::vector<const StudyTrial*> members;
  for (const StudyTrial& trial : study.trials) {
    const auto slot = static_cast<std::size_t>(std::max(trial.bracket, 0));
    if (slot >= members.size()) members.resize(slot + 1, nullptr);
    members[slot] = &trial;  // trials come in id order: the latest wins
  }
  std::erase(members, nullptr);
  return members;
}

Json PopulationJson(const Study& study) {
  Json population = Json::array();
  for (const StudyTrial* trial : PopulationMembers(study)) {
    population.push_back({{"member", trial->bracket},
                          {"trial", trial->id},
                          {"state", TrialStateName(trial->state)},
                          {"step", trial->last_step},
                          {"value", Number(trial->last_value)},
                          {"parent", trial->parent >= 0 ? Json(trial->parent) : Json(nullptr)},
                          {"params", ParamsJsonObject(study.space, trial->params)}});
  }
  return population;
}

Json ExploitsJson(const Study& study) {
  Json exploits = Json::array();
  for (const StudyExploit& e : study.exploits) {
    exploits.push_back({{"recipient", e.recipient},
                        {"donor", e.donor},
                        {"step", e.step},
                        {"donor_step", e.donor_step},
                        {"time", e.time},
                        {"old_params", ParamsJsonObject(study.space, e.old_params)},
                        {"new_params", ParamsJsonObject(study.space, e.new_params)}});
  }
  return exploits;
}

Json ScheduleJson(const Study& study, const std::vector<ScheduleStep>& schedule) {
  Json steps = Json::array();
  for (const ScheduleStep& step : schedule) {
    steps.push_back({{"step", step.step}, {"trial", step.trial}, {"params", ParamsJsonObject(study.space, step.params)}});
  }
  return steps;
}

std::string ScheduleYaml(const Study& study, const std::vector<ScheduleStep>& schedule, const std::string& indent) {
  // JSON's flow mappings are YAML too, and quote whatever a plain scalar could misread.
  std::string yaml;
  for (const ScheduleStep& step : schedule) {
    yaml += fmt::format("{}- {{step: {}, trial: {}, params: {}}}\n", indent, Json(step.step).dump(), step.trial,
                        ParamsJsonObject(study.space, step.params).dump());
  }
  return yaml;
}

std::vector<std::string> FormatPopulation(const Study& study) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{:>6} {:>6} {:>10} {:>8} {:>12} {:>6}  {}", "member", "trial", "state", "step",
                              study.metric, "parent", "config"));
  for (const StudyTrial* trial : PopulationMembers(study)) {
    lines.push_back(fmt::format("{:>6} {:>6} {:>10} {:>8.6g} {:>12.6g} {:>6}  {}", trial->bracket, trial->id,
                                TrialStateName(trial->state), trial->last_step, trial->last_value,
                                trial->parent >= 0 ? std::to_string(trial->parent) : "-",
                                ParamsJsonObject(study.space, trial->params).dump()));
  }
  return lines;
}

}  // namespace mpitune::cli
