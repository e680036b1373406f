#include "core/async_bracket_scheduler.h"
#include "core/pbt_scheduler.h"
#include "core/sha_scheduler.h"

namespace mpitune {

std::unique_ptr<Scheduler> MakeScheduler(const SearchSpace& space, const SchedulerOptions& options) {
  if (options.kind == SchedulerKind::kPbt) return std::make_unique<PbtScheduler>(space, options);
  if (options.kind == SchedulerKind::kSha) return std::make_unique<ShaScheduler>(space, options);
  return std::make_unique<AsyncBracketScheduler>(space, options);
}

}  // namespace mpitune
