// Population-based training in `mpitune status`: the population (each slot's current
// member: config, step, value, parent) and the best member's hyperparameter schedule,
// as JSON (status --json) and as text with the schedule in YAML (plain status).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mpitune/study.h"

namespace mpitune::cli {

// Each slot's member now (the latest trial in it), by slot.
std::vector<const StudyTrial*> PopulationMembers(const Study& study);
nlohmann::ordered_json PopulationJson(const Study& study);
// Every exploit, in order: recipient, donor, step, donor_step, time, old and new params.
nlohmann::ordered_json ExploitsJson(const Study& study);
nlohmann::ordered_json ScheduleJson(const Study& study, const std::vector<ScheduleStep>& schedule);
// The schedule as a YAML sequence of {step, trial, params} mappings, one line each.
std::string ScheduleYaml(const Study& study, const std::vector<ScheduleStep>& schedule, const std::string& indent);
std::vector<std::string> FormatPopulation(const Study& study);

}  // namespace mpitune::cli
