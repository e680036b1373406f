#include "runtime/worker/device_map.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mpitune {
namespace {

DeviceMapInput Input(int index, int workers, std::optional<int> device_count,
                     std::optional<std::string> cvd = std::nullopt) {
  DeviceMapInput input;
  input.local_worker_index = index;
  input.local_workers = workers;
  input.cuda_device_count = device_count;
  input.cuda_visible_devices = std::move(cvd);
  return input;
}

DeviceAssignment Map(const DeviceMapInput& input) {
  Result<DeviceAssignment> result = MapDevices(input);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *result : DeviceAssignment{};
}

std::string MapError(const DeviceMapInput& input) {
  Result<DeviceAssignment> result = MapDevices(input);
  EXPECT_FALSE(result.ok());
  return result.ok() ? "" : result.status().message();
}

TEST(ParseVisibleDevicesTest, SplitsTrimsAndStopsAtTheFirstInvalidEntry) {
  EXPECT_EQ(ParseVisibleDevices("2,3"), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(ParseVisibleDevices(" 0 , 1 "), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(ParseVisibleDevices("0,1,-1,2"), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(ParseVisibleDevices("GPU-8f3a,MIG-1b2c"), (std::vector<std::string>{"GPU-8f3a", "MIG-1b2c"}));
  EXPECT_TRUE(ParseVisibleDevices("").empty());
  EXPECT_TRUE(ParseVisibleDevices("-1").empty());
  EXPECT_TRUE(ParseVisibleDevices("GPU-").empty());
  EXPECT_TRUE(ParseVisibleDevices("none").empty());
}

TEST(MapDevicesTest, EightWorkersOnTwoOfFourGpusShareThem) {
  // The node has 4 GPUs but the job was given physical GPUs 2 and 3.
  for (int worker = 0; worker < 8; ++worker) {
    const DeviceAssignment a = Map(Input(worker, 8, 4, "2,3"));
    const int ordinal = worker % 2;
    EXPECT_EQ(a.ordinals, std::vector<int>{ordinal});
    EXPECT_EQ(a.select_ordinal, ordinal);
    EXPECT_EQ(a.cuda_visible_devices, ordinal == 0 ? "2" : "3");
    EXPECT_EQ(a.physical_ids, std::vector<std::string>{a.cuda_visible_devices});
    EXPECT_TRUE(a.shared);
    EXPECT_FALSE(a.cpu());
    EXPECT_NE(a.note.find("8 local workers share 2 devices"), std::string::npos) << a.note;
  }
}

TEST(MapDevicesTest, RuntimeSeeingTheRestrictedListGivesTheSameMapping) {
  // The same job, with the count taken from the runtime inside the job (2, not 4).
  const DeviceAssignment a = Map(Input(5, 8, 2, "2,3"));
  EXPECT_EQ(a.ordinals, std::vector<int>{1});
  EXPECT_EQ(a.cuda_visible_devices, "3");
}

TEST(MapDevicesTest, UnsetVisibleDevicesUsesAllDevicesRoundRobin) {
  for (int worker = 0; worker < 4; ++worker) {
    const DeviceAssignment a = Map(Input(worker, 4, 4));
    EXPECT_EQ(a.ordinals, std::vector<int>{worker});
    EXPECT_EQ(a.cuda_visible_devices, std::to_string(worker));
    EXPECT_FALSE(a.shared);
    EXPECT_EQ(a.note, "gpu: local worker " + std::to_string(worker) + " -> ordinal " + std::to_string(worker) +
                          " (CUDA_VISIBLE_DEVICES=" + std::to_string(worker) + ")");
  }
}

TEST(MapDevicesTest, EmptyVisibleDevicesMeansCpu) {
  const DeviceAssignment a = Map(Input(0, 2, 4, ""));
  EXPECT_TRUE(a.cpu());
  EXPECT_EQ(a.select_ordinal, -1);
  EXPECT_EQ(a.cuda_visible_devices, "");
  EXPECT_EQ(a.note, "cpu: CUDA_VISIBLE_DEVICES is empty");
  EXPECT_TRUE(Map(Input(0, 2, 4, "-1")).cpu());
}

TEST(MapDevicesTest, NoCudaOrNoDevicesMeansCpuWithOneNote) {
  EXPECT_EQ(Map(Input(0, 1, std::nullopt)).note, "cpu: no CUDA runtime or driver");
  EXPECT_EQ(Map(Input(0, 1, 0)).note, "cpu: no CUDA devices visible");
  DeviceMapInput cpu_only = Input(0, 1, 4);
  cpu_only.gpus_per_trial = 0;
  cpu_only.devices = {7};  // ignored: no GPUs wanted
  EXPECT_EQ(Map(cpu_only).note, "cpu: resources.gpus_per_trial is 0");
  // Too many GPUs per trial is only an error when there are GPUs at all.
  DeviceMapInput no_cuda = Input(0, 1, std::nullopt);
  no_cuda.gpus_per_trial = 8;
  EXPECT_TRUE(Map(no_cuda).cpu());
}

TEST(MapDevicesTest, UuidListsPassThroughToTheTrial) {
  const std::string uuids = "GPU-8f3a1b2c-0000-1111-2222-333344445555,MIG-4d5e6f70-aaaa-bbbb-cccc-ddddeeeeffff";
  const DeviceAssignment a = Map(Input(1, 2, 2, uuids));
  EXPECT_EQ(a.ordinals, std::vector<int>{1});
  EXPECT_EQ(a.cuda_visible_devices, "MIG-4d5e6f70-aaaa-bbbb-cccc-ddddeeeeffff");
  EXPECT_EQ(Map(Input(2, 3, 2, uuids)).cuda_visible_devices, "GPU-8f3a1b2c-0000-1111-2222-333344445555");
}

TEST(MapDevicesTest, FewerRuntimeDevicesThanListedEntriesKeepsTheFirst) {
  const DeviceAssignment a = Map(Input(1, 2, 1, "4,5"));
  EXPECT_EQ(a.cuda_visible_devices, "4");
  EXPECT_NE(a.note.find("lists 2 entries but the runtime sees 1"), std::string::npos) << a.note;
}

TEST(MapDevicesTest, TwoGpusPerTrialTakeContiguousGroups) {
  DeviceMapInput input = Input(0, 4, 4, "4,5,6,7");
  input.gpus_per_trial = 2;
  const std::vector<std::vector<int>> expected = {{0, 1}, {2, 3}, {0, 1}, {2, 3}};
  for (int worker = 0; worker < 4; ++worker) {
    input.local_worker_index = worker;
    const DeviceAssignment a = Map(input);
    EXPECT_EQ(a.ordinals, expected[static_cast<std::size_t>(worker)]);
    EXPECT_EQ(a.select_ordinal, a.ordinals.front());
    EXPECT_EQ(a.cuda_visible_devices, worker % 2 == 0 ? "4,5" : "6,7");
    EXPECT_TRUE(a.shared);
    EXPECT_NE(a.note.find("4 local workers share 2 groups of 2 devices"), std::string::npos) << a.note;
  }
  input.local_workers = 2;
  input.local_worker_index = 1;
  EXPECT_FALSE(Map(input).shared);
}

TEST(MapDevicesTest, LeftoverDevicesAreReportedUnused) {
  DeviceMapInput input = Input(0, 1, 3);
  input.gpus_per_trial = 2;
  const DeviceAssignment a = Map(input);
  EXPECT_EQ(a.ordinals, (std::vector<int>{0, 1}));
  EXPECT_NE(a.note.find("1 device unused"), std::string::npos) << a.note;
}

TEST(MapDevicesTest, ExplicitDeviceListRestrictsThePoolInItsOrder) {
  DeviceMapInput input = Input(0, 3, 4, "0,1,2,3");
  input.devices = {3, 1};
  const std::vector<std::string> expected = {"3", "1", "3"};
  for (int worker = 0; worker < 3; ++worker) {
    input.local_worker_index = worker;
    const DeviceAssignment a = Map(input);
    EXPECT_EQ(a.cuda_visible_devices, expected[static_cast<std::size_t>(worker)]);
    EXPECT_TRUE(a.shared);
  }
  // Explicit ordinals are in the parent's numbering: 1 of "6,7" is physical 7.
  DeviceMapInput nested = Input(0, 1, 2, "6,7");
  nested.devices = {1};
  EXPECT_EQ(Map(nested).cuda_visible_devices, "7");
}

TEST(MapDevicesTest, SlurmLocalIdStandsInForAnUnknownIndex) {
  DeviceMapInput input = Input(0, 4, 4);
  input.local_worker_index.reset();
  input.slurm_localid = 3;
  const DeviceAssignment a = Map(input);
  EXPECT_EQ(a.ordinals, std::vector<int>{3});
  EXPECT_NE(a.note.find("SLURM_LOCALID"), std::string::npos);
  // A known index wins over Slurm's.
  input.local_worker_index = 1;
  EXPECT_EQ(Map(input).ordinals, std::vector<int>{1});
  // Neither: index 0, said so.
  input.local_worker_index.reset();
  input.slurm_localid.reset();
  const DeviceAssignment unknown = Map(input);
  EXPECT_EQ(unknown.ordinals, std::vector<int>{0});
  EXPECT_NE(unknown.note.find("local index unknown"), std::string::npos);
}

TEST(MapDevicesTest, ExplicitDevicesMustBeVisibleAndUnique) {
  DeviceMapInput input = Input(0, 1, 4, "2,3");
  input.devices = {0, 2};
  const std::string error = MapError(input);
  EXPECT_NE(error.find("resources.devices"), std::string::npos) << error;
  EXPECT_NE(error.find("device 2 is not visible"), std::string::npos) << error;
  EXPECT_NE(error.find("CUDA_VISIBLE_DEVICES=2,3"), std::string::npos) << error;
  input.devices = {-1};
  EXPECT_NE(MapError(input).find("resources.devices"), std::string::npos);
  input.devices = {1, 1};
  EXPECT_NE(MapError(input).find("listed twice"), std::string::npos);
}

TEST(MapDevicesTest, MoreGpusPerTrialThanDevicesIsAnError) {
  DeviceMapInput input = Input(0, 1, 4, "2,3");
  input.gpus_per_trial = 3;
  const std::string error = MapError(input);
  EXPECT_NE(error.find("resources.gpus_per_trial: 3 GPUs per trial but only 2 devices"), std::string::npos)
      << error;
  input.gpus_per_trial = 2;
  input.devices = {1};
  EXPECT_NE(MapError(input).find("only 1 device is available (resources.devices)"), std::string::npos);
  EXPECT_EQ(MapDevices(input).status().kind(), ErrorKind::kBadInput);
}

TEST(MapDevicesTest, RejectsNonsenseCounts) {
  DeviceMapInput input = Input(0, 1, 4);
  input.gpus_per_trial = -1;
  EXPECT_NE(MapError(input).find("resources.gpus_per_trial"), std::string::npos);
  EXPECT_FALSE(MapDevices(Input(0, 0, 4)).ok());
  EXPECT_FALSE(MapDevices(Input(2, 2, 4)).ok());
  EXPECT_FALSE(MapDevices(Input(-1, 2, 4)).ok());
  DeviceMapInput slurm = Input(0, 1, 4);
  slurm.local_worker_index.reset();
  slurm.slurm_localid = -2;
  EXPECT_NE(MapError(slurm).find("SLURM_LOCALID"), std::string::npos);
}

}  // namespace
}  // namespace mpitune
