#include "runtime/worker/device_map.h"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <set>
#include <string_view>

#include <fmt/format.h>

namespace mpitune {

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool IsDeviceEntry(std::string_view entry) {
  if (entry.starts_with("GPU-") || entry.starts_with("MIG-")) return entry.size() > 4;
  return !entry.empty() && std::all_of(entry.begin(), entry.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T>
std::string Join(const std::vector<T>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}", items[i]);
  }
  return out;
}

DeviceAssignment Cpu(std::string note) {
  DeviceAssignment cpu;
  cpu.note = "cpu: " + std::move(note);
  return cpu;
}

// The parent's entries for ordinals 0..n-1; `note` gets a remark when the list and
// the runtime disagree.
std::vector<std::string> VisibleEntries(const DeviceMapInput& input, std::string& note) {
  const int count = *input.cuda_device_count;
  std::vector<std::string> entries;
  if (!input.cuda_visible_devices) {
    for (int i = 0; i < count; ++i) entries.push_back(std::to_string(i));
    return entries;
  }
  entries = ParseVisibleDevices(*input.cuda_visible_devices);
  // A count larger than the list is the node's total (the list restricts it); a
  // smaller one means the runtime rejected some entries, and it numbers the
  // devices it kept from 0 in list order, so only the first `count` are reachable.
  if (static_cast<std::size_t>(count) < entries.size()) {
    note = fmt::format("; CUDA_VISIBLE_DEVICES lists {} entries but the runtime sees {}", entries.size(),
                       count);
    entries.resize(static_cast<std::size_t>(count));
  }
  return entries;
}

Result<std::vector<int>> DevicePool(const std::vector<int>& explicit_devices, int visible,
                                    const std::string& visible_text) {
  std::vector<int> pool;
  if (explicit_devices.empty()) {
    for (int i = 0; i < visible; ++i) pool.push_back(i);
    return pool;
  }
  std::set<int> seen;
  for (int device : explicit_devices) {
    if (device < 0 || device >= visible) {
      return Status::BadInput(fmt::format("resources.devices: device {} is not visible ({} visible: {})",
                                          device, visible, visible_text));
    }
    if (!seen.insert(device).second) {
      return Status::BadInput(fmt::format("resources.devices: device {} is listed twice", device));
    }
    pool.push_back(device);
  }
  return pool;
}

Result<int> LocalIndex(const DeviceMapInput& input, std::string& note) {
  if (input.local_worker_index) {
    if (*input.local_worker_index < 0 || *input.local_worker_index >= input.local_workers) {
      return Status::Internal(fmt::format("local worker index {} is outside 0..{}", *input.local_worker_index,
                                          input.local_workers - 1));
    }
    return *input.local_worker_index;
  }
  if (input.slurm_localid) {
    if (*input.slurm_localid < 0) {
      return Status::BadInput(fmt::format("SLURM_LOCALID: expected a non-negative integer, got {}",
                                          *input.slurm_localid));
    }
    note += "; local index from SLURM_LOCALID";
    return *input.slurm_localid;
  }
  note += "; local index unknown, using 0";
  return 0;
}

}  // namespace

std::vector<std::string> ParseVisibleDevices(const std::string& value) {
  std::vector<std::string> entries;
  std::string_view rest = value;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view entry = Trim(rest.substr(0, comma));
    if (!IsDeviceEntry(entry)) break;
    entries.emplace_back(entry);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return entries;
}

Result<DeviceAssignment> MapDevices(const DeviceMapInput& input) {
  if (input.gpus_per_trial < 0) {
    return Status::BadInput(
        fmt::format("resources.gpus_per_trial: expected an integer >= 0, got {}", input.gpus_per_trial));
  }
  if (input.local_workers < 1) {
    return Status::Internal(fmt::format("local worker count must be >= 1, got {}", input.local_workers));
  }
  if (input.gpus_per_trial == 0) return Cpu("resources.gpus_per_trial is 0");
  if (!input.cuda_device_count) return Cpu("no CUDA runtime or driver");
  if (input.cuda_visible_devices && Trim(*input.cuda_visible_devices).empty()) {
    return Cpu("CUDA_VISIBLE_DEVICES is empty");
  }
  if (*input.cuda_device_count <= 0) return Cpu("no CUDA devices visible");

  std::string remarks;
  const std::vector<std::string> entries = VisibleEntries(input, remarks);
  if (entries.empty()) {
    return Cpu(fmt::format("CUDA_VISIBLE_DEVICES=\"{}\" names no usable device", *input.cuda_visible_devices));
  }
  const int visible = static_cast<int>(entries.size());
  const std::string visible_text =
      input.cuda_visible_devices ? "CUDA_VISIBLE_DEVICES=" + Join(entries) : Join(entries);

  Result<std::vector<int>> pool = DevicePool(input.devices, visible, visible_text);
  if (!pool.ok()) return pool.status();
  const int pool_size = static_cast<int>(pool->size());
  const int per_trial = input.gpus_per_trial;
  if (per_trial > pool_size) {
    return Status::BadInput(fmt::format("resources.gpus_per_trial: {} GPUs per trial but only {} device{} {} "
                                        "available ({})",
                                        per_trial, pool_size, pool_size == 1 ? "" : "s",
                                        pool_size == 1 ? "is" : "are",
                                        input.devices.empty() ? visible_text : "resources.devices"));
  }

  Result<int> index = LocalIndex(input, remarks);
  if (!index.ok()) return index.status();

  // Non-overlapping groups rather than a sliding window: two trials then either share
  // a whole group or nothing, so memory contention is predictable.
  const int groups = pool_size / per_trial;
  const int group = *index % groups;
  DeviceAssignment out;
  for (int k = 0; k < per_trial; ++k) {
    const int ordinal = (*pool)[static_cast<std::size_t>(group * per_trial + k)];
    out.ordinals.push_back(ordinal);
    out.physical_ids.push_back(entries[static_cast<std::size_t>(ordinal)]);
  }
  out.cuda_visible_devices = Join(out.physical_ids);
  out.select_ordinal = out.ordinals.front();
  out.shared = input.local_workers > groups;

  out.note = fmt::format("gpu: local worker {} -> ordinal{} {} (CUDA_VISIBLE_DEVICES={})", *index,
                         per_trial == 1 ? "" : "s", Join(out.ordinals), out.cuda_visible_devices);
  if (out.shared) {
    out.note += per_trial == 1
                    ? fmt::format("; {} local workers share {} device{}", input.local_workers, groups,
                                  groups == 1 ? "" : "s")
                    : fmt::format("; {} local workers share {} group{} of {} devices", input.local_workers,
                                  groups, groups == 1 ? "" : "s", per_trial);
  }
  if (const int unused = pool_size - groups * per_trial; unused > 0) {
    out.note += fmt::format("; {} device{} unused ({} not a multiple of {} per trial)", unused,
                            unused == 1 ? "" : "s", pool_size, per_trial);
  }
  out.note += remarks;
  return out;
}

}  // namespace mpitune
