// Every sampler saves its kind next to its position, so loading a state saved by
// another kind of sampler fails loudly instead of silently resuming elsewhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mpitune/sampler.h"

namespace mpitune {

void SaveSamplerIndex(SavedState& state, const std::string& prefix, SamplerKind kind, std::int64_t index);
// Fails unless the saved kind is `kind` and the index lies in [min_index, max_index].
Status LoadSamplerIndex(const SavedState& state, const std::string& prefix, SamplerKind kind, std::int64_t min_index,
                        std::optional<std::int64_t> max_index, std::int64_t& index);

}  // namespace mpitune
