#include "gpu/gpu.h"
#include "runtime/worker/worker_setup.h"

#include "runtime/worker/device_map.h"

#include <gtest/gtest.h>

namespace mpitune {
namespace {

TEST(GpuTest, QueryGpusIsConsistentWithOrWithoutADevice) {
  const GpuInfo info = QueryGpus();
  EXPECT_GE(info.count, 0);
  EXPECT_EQ(static_cast<std::size_t>(info.count), info.names.size());
  EXPECT_EQ(info.names.size(), info.uuids.size());
  EXPECT_EQ(info.names.size(), info.memory_bytes.size());
  if (info.count == 0) {
    // No device, no driver or no CUDA: the caller must be told why.
    EXPECT_TRUE(!info.error.empty() || info.built_with_cuda) << "count 0 without a reason";
  } else {
    EXPECT_TRUE(info.error.empty());
    EXPECT_EQ(info.CudaDeviceCount(), info.count);
  }
  for (const std::string& uuid : info.uuids) {
    EXPECT_EQ(uuid.rfind("GPU-", 0), 0u) << uuid;
    EXPECT_EQ(uuid.size(), 40u) << uuid;
  }
  if (!info.error.empty()) {
    EXPECT_FALSE(info.CudaDeviceCount());
  }
#ifdef MPITUNE_HAVE_CUDA
  EXPECT_TRUE(info.built_with_cuda);
#else
  EXPECT_FALSE(info.built_with_cuda);
  EXPECT_FALSE(info.CudaDeviceCount());
#endif
  RecordProperty("gpu_count", info.count);
  RecordProperty("gpu_error", info.error);
}

TEST(GpuTest, SelectGpuFailsCleanlyForAnAbsentDevice) {
  const GpuInfo info = QueryGpus();
  EXPECT_FALSE(SelectGpu(info.count + 1000).ok());
  if (info.count > 0) {
    EXPECT_TRUE(SelectGpu(0).ok());
  }
}

TEST(GpuTest, ThisMachineMapsToCpuExactlyWhenItHasNoDevice) {
  const GpuInfo info = QueryGpus();
  DeviceMapInput input;
  input.local_worker_index = 0;
  input.cuda_device_count = info.CudaDeviceCount();
  Result<DeviceAssignment> assignment = MapDevices(input);
  ASSERT_TRUE(assignment.ok()) << assignment.status().message();
  EXPECT_EQ(assignment->cpu(), info.count == 0) << assignment->note;
  EXPECT_FALSE(assignment->note.empty());
}

TEST(GpuTest, FormatsUuidsLikeNvidiaSmi) {
  const std::array<std::uint8_t, 16> bytes = {0x8f, 0x3a, 0x1b, 0x2c, 0x00, 0x11, 0x22, 0x33,
                                              0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xff};
  EXPECT_EQ(FormatGpuUuid(bytes), "GPU-8f3a1b2c-0011-2233-4455-66778899aaff");
}

// Runs record the GPU's UUID, so a study says which physical card ran each trial.
TEST(GpuTest, RunsRecordTheUuidsOfTheirGpus) {
  GpuInfo gpus;
  gpus.built_with_cuda = true;
  gpus.count = 3;
  gpus.uuids = {"GPU-aaaa", "GPU-bbbb", "GPU-cccc"};
  DeviceAssignment one;
  one.ordinals = {1};
  one.cuda_visible_devices = "5";
  EXPECT_EQ(RecordedDevice(one, gpus), "GPU-bbbb");
  DeviceAssignment two;
  two.ordinals = {0, 2};
  two.cuda_visible_devices = "4,6";
  EXPECT_EQ(RecordedDevice(two, gpus), "GPU-aaaa,GPU-cccc");
  // Without UUIDs from the runtime: what CUDA_VISIBLE_DEVICES says.
  EXPECT_EQ(RecordedDevice(two, GpuInfo{}), "4,6");
  EXPECT_EQ(RecordedDevice(DeviceAssignment{}, gpus), "cpu");
}

}  // namespace
}  // namespace mpitune
