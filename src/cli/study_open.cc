#include "cli/study_open.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/time_stamp.h"
#include "config/study_changes.h"
#include "study/stored_config.h"

namespace mpitune::cli {
namespace {

namespace fs = std::filesystem;

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// An HDF5 file starts with its signature at offset 0, 512, 1024, 2048... (after a
// user block, when it has one). Only such a file may be moved aside as a study.
bool LooksLikeStudyFile(const std::string& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return false;
  std::ifstream file(path, std::ios::binary);
  const std::uintmax_t size = fs::file_size(path, error);
  static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  for (std::uintmax_t offset = 0; !error && offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
    char head[8] = {};
    file.seekg(static_cast<std::streamoff>(offset));
    if (!file.read(head, 8)) return false;
    if (std::equal(head, head + 8, kSignature)) return true;
  }
  return false;
}

// "runs/study.h5" -> "runs/study.20261122-211500.h5"; never onto an existing file.
std::string AsidePath(const std::string& path) {
  const fs::path original(path);
  const std::string stem = (original.parent_path() / original.stem()).string();
  std::string aside = fmt::format("{}.{}{}", stem, LocalTimeStamp(), original.extension().string());
  for (int i = 2; Exists(aside); ++i) {
    aside = fmt::format("{}.{}-{}{}", stem, LocalTimeStamp(), i, original.extension().string());
  }
  return aside;
}

Status Rename(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) return Status::Io(fmt::format("cannot move {} to {}: {}", from, to, error.message()));
  return Status::Ok();
}

// A trials folder left by an earlier study of the same name (its file deleted): a new
// study must not append to its logs or find its checkpoints. Returns where it went.
Result<std::optional<std::string>> MoveStaleTrialsAside(const StudyConfig& config) {
  const std::string trials = TrialsDirectory(config);
  std::error_code error;
  if (!fs::is_directory(trials, error) || fs::is_empty(trials, error)) return std::optional<std::string>();
  std::string aside = trials + "." + LocalTimeStamp();
  for (int i = 2; Exists(aside); ++i) aside = fmt::format("{}.{}-{}", trials, LocalTimeStamp(), i);
  MPITUNE_RETURN_IF_ERROR(Rename(trials, aside));
  return std::optional<std::string>(aside);
}

// Keeps the old study (file, journal; its trials' folder goes aside when the new
// study is created) under a new name. Only a study file is moved: never a directory,
// never a file that is not HDF5.
Result<std::string> MoveAside(const StudyConfig& config) {
  if (!LooksLikeStudyFile(config.storage)) {
    return Status::BadInput(fmt::format("{}: not a study file; --force-new only moves study files aside; nothing "
                                        "was changed",
                                        config.storage));
  }
  const std::string aside = AsidePath(config.storage);
  MPITUNE_RETURN_IF_ERROR(Rename(config.storage, aside));
  if (Exists(config.storage + ".journal")) MPITUNE_RETURN_IF_ERROR(Rename(config.storage + ".journal", aside + ".journal"));
  return aside;
}

Result<OpenedStudy> CreateStudy(const StudyConfig& config, std::string note) {
  Result<std::optional<std::string>> stale = MoveStaleTrialsAside(config);
  if (!stale.ok()) return stale.status();
  if (*stale) note += fmt::format("; an earlier study's trial folders are now in {}", **stale);
  OpenedStudy opened;
  opened.start = StudyStart::kNew;
  opened.config = config;
  opened.definition = DefinitionOf(config);
  opened.new_scheduler = MakeScheduler(config.space, config.scheduler);
  Result<std::unique_ptr<StudyStore>> store =
      StudyStore::Create(config.storage, opened.definition, *opened.new_scheduler);
  if (!store.ok()) return store.status();
  opened.store = std::move(*store);
  opened.note = std::move(note);
  return opened;
}

std::string Counts(const StoredStudy& study) {
  return fmt::format("{} trials, {} reports, {} runs", study.scheduler->trials().size(), study.history.reports.size(),
                     study.history.runs.size());
}

// `config`: what the study goes on with (the stored config, or the one given now).
Result<OpenedStudy> GoOn(StoredStudy stored, StudyConfig config) {
  OpenedStudy opened;
  opened.config = std::move(config);
  opened.definition = stored.definition;
  opened.time_offset = stored.history.last_time;
  if (stored.history.done) {
    opened.start = StudyStart::kFinished;
    std::string owed;
    if (stored.journal_events > 0) {
      Result<bool> written = WriteOwedSnapshot(stored.path, &LegacyDefinitionUpgrade());
      if (!written.ok()) return written.status();
      if (*written) owed = "; wrote its final snapshot, which its last run could not";
    }
    opened.note = fmt::format("study already finished in {} ({}): nothing to run{}", stored.path, Counts(stored), owed);
    opened.finished.emplace(std::move(stored));
    return opened;
  }
  const std::size_t open_runs = stored.history.open_runs.size();
  opened.note = fmt::format("resuming {} ({}{}{})", stored.path, Counts(stored),
                            open_runs > 0 ? fmt::format("; {} runs cut short go back to the queue", open_runs) : "",
                            stored.torn_tail ? "; a partial last record was dropped" : "");
  opened.start = StudyStart::kResumed;
  Result<std::unique_ptr<StudyStore>> store = StudyStore::Continue(stored, opened.time_offset);
  if (!store.ok()) return store.status();
  opened.store = std::move(*store);
  return opened;
}

}  // namespace

Scheduler& OpenedStudy::scheduler() {
  if (store) return store->scheduler();
  if (finished) return *finished->scheduler;
  return *new_scheduler;
}

Result<OpenedStudy> OpenUnstoredStudy(const StudyConfig& config) {
  OpenedStudy opened;
  opened.config = config;
  opened.definition = DefinitionOf(config);
  opened.new_scheduler = MakeScheduler(config.space, config.scheduler);
  opened.note = "none (--no-store): nothing is saved";
  return opened;
}

Result<OpenedStudy> OpenStudyForRun(const StudyConfig& config, bool force_new) {
  if (!Exists(config.storage)) return CreateStudy(config, fmt::format("new study file {}", config.storage));
  std::error_code error;
  if (!fs::is_regular_file(config.storage, error)) {
    return Status::BadInput(fmt::format("{}: not a study file ({}); nothing was changed", config.storage,
                                        fs::is_directory(config.storage, error) ? "a directory" : "not a regular file"));
  }
  if (force_new) {
    Result<std::string> aside = MoveAside(config);
    if (!aside.ok()) return aside.status();
    return CreateStudy(config, fmt::format("new study file {} (the old one is now {})", config.storage, *aside));
  }
  Result<StoredStudy> stored = ReadStudyFile(config.storage, &LegacyDefinitionUpgrade());
  if (!stored.ok()) {
    return Status::BadInput(fmt::format("{}; nothing was changed ({})", stored.status().message(),
                                        LooksLikeStudyFile(config.storage)
                                            ? "--force-new keeps it aside and starts afresh"
                                            : "name another study file with --storage or study.storage"));
  }
  Result<StudyConfig> stored_config = StoredConfig(stored->definition, config.storage);
  if (!stored_config.ok()) return stored_config.status();
  const std::vector<std::string> changes = StudyConfigChanges(*stored_config, config);
  if (!changes.empty()) {
    return Status::BadInput(fmt::format(
        "{}: holds another study than {} ({}); nothing was changed (--force-new keeps it aside and starts afresh)",
        config.storage, config.source, fmt::join(changes, "; ")));
  }
  // The stored study goes on under the settings given now (timeouts, resources...).
  return GoOn(std::move(*stored), config);
}

Result<OpenedStudy> OpenStoredStudy(const std::string& path) {
  if (!Exists(path)) return Status::BadInput(fmt::format("{}: no such study file", path));
  Result<StoredStudy> stored = ReadStudyFile(path, &LegacyDefinitionUpgrade());
  if (!stored.ok()) return stored.status();
  Result<StudyConfig> config = StoredConfig(stored->definition, path);
  if (!config.ok()) return config.status();
  return GoOn(std::move(*stored), std::move(*config));
}


}  // namespace mpitune::cli
