#include "cli/worker_config.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "base/byte_codec.h"

namespace mpitune::cli {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kConfig = 1;
constexpr std::uint8_t kFailure = 2;

std::string Absolute(const std::string& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  return error ? path : absolute.string();
}

}  // namespace

std::vector<std::uint8_t> EncodeWorkerConfig(const StudyConfig& config, ConfigOrigin origin) {
  ByteWriter writer;
  writer.U8(kVersion);
  writer.U8(kConfig);
  writer.U8(origin == ConfigOrigin::kStored ? 1 : 0);
  writer.String(config.source);
  writer.String(config.yaml_text);
  writer.String(Absolute(config.storage));
  writer.String(TrialsDirectory(config));
  // The values the command line or the study file put over the text's.
  writer.I64(static_cast<std::int64_t>(config.seed));
  writer.I64(config.scheduler.max_trials);
  writer.F64(config.trial.report_every);
  return writer.Take();
}

std::vector<std::uint8_t> EncodeRankZeroFailure(int exit_code) {
  ByteWriter writer;
  writer.U8(kVersion);
  writer.U8(kFailure);
  writer.I32(exit_code);
  return writer.Take();
}

Result<WorkerStart> DecodeWorkerStart(std::span<const std::uint8_t> bytes) {
  ByteReader reader(bytes);
  const std::uint8_t version = reader.U8("version");
  const std::uint8_t kind = reader.U8("kind");
  if (reader.ok() && version != kVersion) reader.Fail(fmt::format("version {} (this mpitune speaks {})", version, kVersion));
  WorkerStart start;
  if (reader.ok() && kind == kFailure) {
    start.rank_zero_exit_code = reader.I32("exit code");
  } else if (reader.ok() && kind == kConfig) {
    const ConfigOrigin origin = reader.U8("origin") == 1 ? ConfigOrigin::kStored : ConfigOrigin::kUser;
    const std::string source = reader.String("source");
    const std::string text = reader.String("config text");
    const std::string storage = reader.String("storage");
    const std::string trials_dir = reader.String("trials folder");
    const auto seed = static_cast<std::uint64_t>(reader.I64("seed"));
    const std::int64_t max_trials = reader.I64("max_trials");
    const double report_every = reader.F64("report_every");
    if (reader.ok() && !reader.done()) reader.Fail(fmt::format("{} bytes after the config", reader.remaining()));
    if (reader.ok()) {
      Result<StudyConfig> config = ParseStudyConfig(text, source, origin);
      if (!config.ok()) return Status::Internal("rank 0's config does not parse here: " + config.status().message());
      config->storage = storage;
      config->trials_dir = trials_dir;
      config->seed = seed;
      config->scheduler.seed = seed;
      config->scheduler.max_trials = max_trials;
      config->trial.report_every = report_every;
      start.config = std::move(*config);
    }
  } else if (reader.ok()) {
    reader.Fail(fmt::format("kind {}", kind));
  }
  if (!reader.ok()) return Status::Internal("the start-up message from rank 0: " + reader.error());
  return start;
}

}  // namespace mpitune::cli
