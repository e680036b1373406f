#include "core/deadline_policy.h"

#include <algorithm>
#include <cmath>

#include "core/time_plan.h"

namespace mpitune {

DeadlinePolicy::DeadlinePolicy(DeadlineOptions options) : options_(options) {}

double DeadlinePolicy::stop_at() const {
  return std::max(0.0, options_.deadline - options_.stop_grace - options_.margin);
}

double DeadlinePolicy::UnitsThatFit(double now) const {
  if (!enabled()) return HUGE_VAL;
  if (now >= stop_at()) return -1.0;
  const double cost = unit_seconds();
  if (cost <= 0.0) return HUGE_VAL;
  return (stop_at() - now) / cost;
}

void DeadlinePolicy::Resume(double units, double seconds, std::int64_t observations) {
  if (!(units > 0.0) || !(seconds >= 0.0) || observations <= 0) return;
  measured_units_ = units;
  measured_seconds_ = seconds;
  observations_ = observations;
}

bool DeadlinePolicy::Observe(double units, double seconds) {
  if (!(units > 0.0) || !(seconds >= 0.0)) return false;
  // A ratio of sums, not a mean of ratios: long runs weigh as much as the time they
  // take, and one tiny noisy segment does not swing the estimate.
  measured_units_ += units;
  measured_seconds_ += seconds;
  ++observations_;
  if (!enabled() && options_.time_ratio > 0.0 && observations_ >= kRatioObservations && unit_seconds() > 0.0) {
    options_.deadline = options_.time_ratio * options_.max_budget * unit_seconds();
  }
  return true;
}

double DeadlinePolicy::Subset(double budget) const {
  return ProxySubset(budget, options_.max_budget, options_.min_subset);
}

double DeadlinePolicy::unit_seconds() const {
  if (observations_ > 0 && measured_units_ > 0.0) return measured_seconds_ / measured_units_;
  return options_.unit_seconds;
}

}  // namespace mpitune
