#include "store/study_snapshot.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/posix_file.h"
#include "core/lineage.h"
#include "store/definition_h5.h"
#include "store/file_seal.h"
#include "store/h5_file.h"
#include "store/saved_state_h5.h"

namespace mpitune::store {
namespace {

template <typename T, typename Field, typename Rows>
std::vector<T> Column(const Rows& rows, T (*get)(const Field&)) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const Field& row : rows) out.push_back(get(row));
  return out;
}

Status WriteTrials(H5File& file, const Scheduler& scheduler) {
  const TrialRecords trials = scheduler.trials();
  const std::size_t n = trials.size();
  std::vector<std::int64_t> id(n), bracket(n), rung(n), reports(n), parent(n);
  std::vector<double> target(n), last_step(n), checkpoint_step(n), last_value(n), best_value(n), start(n), end(n);
  std::vector<std::string> state(n), outcome(n);
  const std::vector<ParamSpec>& params = scheduler.space().params();
  std::vector<std::vector<double>> values(params.size(), std::vector<double>(n));
  for (std::size_t i = 0; i < n; ++i) {
    const TrialRecord& t = trials[i];
    id[i] = t.id;
    bracket[i] = t.bracket;
    rung[i] = t.rung;
    reports[i] = t.reports;
    parent[i] = t.parent;
    target[i] = t.target_budget;
    last_step[i] = t.last_step;
    checkpoint_step[i] = t.checkpoint_step;
    last_value[i] = t.last_value;
    best_value[i] = t.best_value;
    start[i] = t.start_time;
    end[i] = t.end_time;
    state[i] = TrialStateName(t.state);
    outcome[i] = TrialOutcomeName(t.last_outcome);
    for (std::size_t p = 0; p < params.size() && p < t.config.values.size(); ++p) values[p][i] = t.config.values[p];
  }
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/trials/trial_id", id));
  MPITUNE_RETURN_IF_ERROR(file.WriteStrings("/trials/state", state));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/trials/bracket", bracket));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/trials/rung", rung));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/target_budget", target));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/last_step", last_step));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/checkpoint_step", checkpoint_step));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/last_value", last_value));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/best_value", best_value));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/trials/reports", reports));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/trials/parent_id", parent));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/start_time", start));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/trials/end_time", end));
  MPITUNE_RETURN_IF_ERROR(file.WriteStrings("/trials/last_outcome", outcome));
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup("/params"));
  for (std::size_t p = 0; p < params.size(); ++p) {
    const std::string path = "/params/" + params[p].name;
    MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(path, values[p]));
    MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "type", ParamTypeName(params[p].type)));
  }
  return Status::Ok();
}

// PBT: the best member's hyperparameter schedule as the study stands, for readers
// that want it without following /scheduler/pbt/exploit themselves.
Status WriteBestSchedule(H5File& file, const Scheduler& scheduler) {
  const std::optional<TrialId> best = scheduler.BestTrial();
  const std::vector<ExploitRecord>& exploits = scheduler.Exploits();
  std::vector<double> step, config;
  std::vector<std::int64_t> trial;
  if (best) {
    for (const LineagePoint& point : LineagePath(exploits, *best, scheduler.trial_count())) {
      const Config& used = point.exploit >= 0      ? exploits[static_cast<std::size_t>(point.exploit)].new_config
                           : point.start_from >= 0 ? exploits[static_cast<std::size_t>(point.start_from)].old_config
                                                   : scheduler.trial(point.trial).config;
      step.push_back(point.step);
      trial.push_back(point.trial);
      config.insert(config.end(), used.values.begin(), used.values.end());
    }
  }
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup("/pbt"));
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup("/pbt/best_schedule"));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/pbt/best_schedule/step", step));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/pbt/best_schedule/trial_id", trial));
  return file.WriteDoubles("/pbt/best_schedule/config", config);
}

template <typename T>
Status ReadInto(Result<T> result, T& target) {
  if (!result.ok()) return result.status();
  target = std::move(*result);
  return Status::Ok();
}

// The report columns, in file order: those of `earlier` (the snapshot being
// replaced, when given) and then the history's.
struct ReportColumns {
  std::vector<std::int64_t> trial, rank;
  std::vector<double> step, value, time;
};

Status ReadReportColumns(const H5File& file, ReportColumns& columns) {
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts("/reports/trial_id"), columns.trial));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/reports/step"), columns.step));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/reports/value"), columns.value));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/reports/time"), columns.time));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts("/reports/rank"), columns.rank));
  const std::size_t n = columns.trial.size();
  if (columns.step.size() != n || columns.value.size() != n || columns.time.size() != n || columns.rank.size() != n) {
    return Status::BadInput(fmt::format("{}: /reports: columns of different lengths", file.path()));
  }
  return Status::Ok();
}

Status WriteHistory(H5File& file, const StudyHistory& history, const H5File* earlier) {
  ReportColumns columns;
  if (earlier != nullptr) MPITUNE_RETURN_IF_ERROR(ReadReportColumns(*earlier, columns));
  for (const ReportRecord& report : history.reports) {
    columns.trial.push_back(report.trial);
    columns.step.push_back(report.step);
    columns.value.push_back(report.value);
    columns.time.push_back(report.time);
    columns.rank.push_back(report.rank);
  }
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/reports/trial_id", columns.trial));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/reports/step", columns.step));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/reports/value", columns.value));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles("/reports/time", columns.time));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/reports/rank", columns.rank));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(
      "/sessions/study_time",
      Column<double, StudySession>(history.sessions, [](const StudySession& s) { return s.study_time; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(
      "/sessions/wall_time",
      Column<double, StudySession>(history.sessions, [](const StudySession& s) { return s.wall_time; })));
  const auto& runs = history.runs;
  MPITUNE_RETURN_IF_ERROR(
      file.WriteInts("/runs/trial_id", Column<std::int64_t, RunRecord>(runs, [](const RunRecord& r) { return r.trial; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts("/runs/rank", Column<std::int64_t, RunRecord>(runs, [](const RunRecord& r) {
                                           return static_cast<std::int64_t>(r.rank);
                                         })));
  MPITUNE_RETURN_IF_ERROR(
      file.WriteStrings("/runs/device", Column<std::string, RunRecord>(runs, [](const RunRecord& r) { return r.device; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(
      "/runs/assigned_at", Column<double, RunRecord>(runs, [](const RunRecord& r) { return r.assigned_at; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(
      "/runs/first_report_at", Column<double, RunRecord>(runs, [](const RunRecord& r) { return r.first_report_at; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteDoubles(
      "/runs/finished_at", Column<double, RunRecord>(runs, [](const RunRecord& r) { return r.finished_at; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteStrings("/runs/outcome", Column<std::string, RunRecord>(runs, [](const RunRecord& r) {
                                              return std::string(r.finished ? TrialOutcomeName(r.outcome) : "running");
                                            })));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts(
      "/runs/exit_code", Column<std::int64_t, RunRecord>(runs, [](const RunRecord& r) { return r.exit_code; })));
  MPITUNE_RETURN_IF_ERROR(
      file.WriteDoubles("/runs/duration", Column<double, RunRecord>(runs, [](const RunRecord& r) { return r.duration; })));
  MPITUNE_RETURN_IF_ERROR(
      file.WriteStrings("/runs/message", Column<std::string, RunRecord>(runs, [](const RunRecord& r) { return r.message; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts(
      "/runs/malformed_lines", Column<std::int64_t, RunRecord>(runs, [](const RunRecord& r) { return r.lines.malformed; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts(
      "/runs/ignored_lines", Column<std::int64_t, RunRecord>(runs, [](const RunRecord& r) { return r.lines.ignored; })));
  MPITUNE_RETURN_IF_ERROR(file.WriteInts(
      "/runs/steps_back", Column<std::int64_t, RunRecord>(runs, [](const RunRecord& r) { return r.lines.steps_back; })));
  MPITUNE_RETURN_IF_ERROR(file.CreateGroup("/checkpoints"));
  for (const auto& [trial, checkpoint] : history.checkpoints) {
    const std::string path = fmt::format("/checkpoints/{}", trial);
    MPITUNE_RETURN_IF_ERROR(file.WriteBytes(path, checkpoint.state));
    MPITUNE_RETURN_IF_ERROR(file.WriteAttribute(path, "step", checkpoint.step));
  }
  return Status::Ok();
}

Status WriteContents(H5File& file, const StudyDefinition& definition, const Scheduler& scheduler,
                     const StudyHistory& history, std::int64_t last_sequence, const H5File* earlier) {
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "format", kStudyFormatName));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "format_version", kStudyFormatVersion));
  MPITUNE_RETURN_IF_ERROR(WriteDefinition(file, definition));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "last_sequence", last_sequence));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "study_time", history.last_time));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "measured_units", history.measured_units));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "measured_seconds", history.measured_seconds));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "measured_observations", history.measured_observations));
  MPITUNE_RETURN_IF_ERROR(file.WriteAttribute("/", "done", static_cast<std::int64_t>(history.done ? 1 : 0)));
  MPITUNE_RETURN_IF_ERROR(WriteTrials(file, scheduler));
  if (scheduler.options().kind == SchedulerKind::kPbt) MPITUNE_RETURN_IF_ERROR(WriteBestSchedule(file, scheduler));
  MPITUNE_RETURN_IF_ERROR(WriteHistory(file, history, earlier));
  SavedState state;
  scheduler.Save(state);
  return WriteSavedState(file, "/scheduler", state);
}

Result<TrialOutcome> ParseOutcome(const std::string& name, bool& finished) {
  finished = name != "running";
  if (!finished) return TrialOutcome::kExited;
  for (int i = 0; i <= static_cast<int>(TrialOutcome::kInterrupted); ++i) {
    if (name == TrialOutcomeName(static_cast<TrialOutcome>(i))) return static_cast<TrialOutcome>(i);
  }
  return Status::BadInput(fmt::format("/runs/outcome: unknown outcome '{}'", name));
}

Status ReadHistory(const H5File& file, StudyHistory& history) {
  ReportColumns columns;
  MPITUNE_RETURN_IF_ERROR(ReadReportColumns(file, columns));
  const std::size_t reports = columns.trial.size();
  history.reports.resize(reports);
  for (std::size_t i = 0; i < reports; ++i) {
    history.reports[i] = {columns.trial[i], columns.step[i], columns.value[i], columns.time[i],
                          static_cast<int>(columns.rank[i])};
  }

  std::vector<std::int64_t> run_trial, run_rank, exit_code;
  std::vector<std::string> device, outcome, message;
  std::vector<double> assigned_at, first_report_at, finished_at, duration;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts("/runs/trial_id"), run_trial));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts("/runs/rank"), run_rank));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStrings("/runs/device"), device));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/runs/assigned_at"), assigned_at));
  if (file.Exists("/runs/first_report_at")) {  // format 1 has none
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/runs/first_report_at"), first_report_at));
  } else {
    first_report_at.assign(run_trial.size(), -1.0);
  }
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/runs/finished_at"), finished_at));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStrings("/runs/outcome"), outcome));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts("/runs/exit_code"), exit_code));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/runs/duration"), duration));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStrings("/runs/message"), message));
  const std::size_t runs = run_trial.size();
  // Files written before mpitune counted metric lines have none of these: all 0.
  std::vector<std::int64_t> malformed(runs, 0), ignored(runs, 0), steps_back(runs, 0);
  for (const auto& [path, column] : {std::pair{"/runs/malformed_lines", &malformed},
                                     std::pair{"/runs/ignored_lines", &ignored}, std::pair{"/runs/steps_back", &steps_back}}) {
    if (file.Exists(path)) MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadInts(path), *column));
  }
  for (std::size_t size : {run_rank.size(), device.size(), assigned_at.size(), first_report_at.size(),
                           finished_at.size(), outcome.size(), exit_code.size(), duration.size(), message.size(),
                           malformed.size(), ignored.size(), steps_back.size()}) {
    if (size != runs) return Status::BadInput(fmt::format("{}: /runs: columns of different lengths", file.path()));
  }
  history.runs.resize(runs);
  for (std::size_t i = 0; i < runs; ++i) {
    RunRecord& run = history.runs[i];
    run.trial = run_trial[i];
    run.rank = static_cast<int>(run_rank[i]);
    run.device = device[i];
    run.assigned_at = assigned_at[i];
    run.first_report_at = first_report_at[i];
    run.finished_at = finished_at[i];
    Result<TrialOutcome> parsed = ParseOutcome(outcome[i], run.finished);
    if (!parsed.ok()) return Status::BadInput(fmt::format("{}: {}", file.path(), parsed.status().message()));
    run.outcome = *parsed;
    run.exit_code = exit_code[i];
    run.duration = duration[i];
    run.message = message[i];
    run.lines = MetricLineCounts{malformed[i], ignored[i], steps_back[i]};
    if (!run.finished) history.open_runs[run.trial] = i;
  }

  Result<std::vector<H5Child>> children = file.ListChildren("/checkpoints");
  if (!children.ok()) return children.status();
  for (const H5Child& child : *children) {
    const std::string path = "/checkpoints/" + child.name;
    char* end = nullptr;
    const long long id = std::strtoll(child.name.c_str(), &end, 10);
    if (end == child.name.c_str() || *end != '\0') {
      return Status::BadInput(fmt::format("{}: {}: not a trial id", file.path(), path));
    }
    StoredCheckpoint checkpoint;
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadBytes(path), checkpoint.state));
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute(path, "step"), checkpoint.step));
    history.checkpoints[id] = std::move(checkpoint);
  }
  if (file.Exists("/sessions/study_time")) {  // files before sessions were recorded have none
    std::vector<double> study_times, wall_times;
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/sessions/study_time"), study_times));
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubles("/sessions/wall_time"), wall_times));
    if (study_times.size() != wall_times.size()) {
      return Status::BadInput(fmt::format("{}: /sessions: columns of different lengths", file.path()));
    }
    history.sessions.clear();
    for (std::size_t i = 0; i < study_times.size(); ++i) history.sessions.push_back({study_times[i], wall_times[i]});
  }
  Result<double> study_time = file.ReadDoubleAttribute("/", "study_time");
  if (!study_time.ok()) return study_time.status();
  history.last_time = *study_time;
  Result<std::int64_t> done = file.ReadIntAttribute("/", "done");
  if (!done.ok()) return done.status();
  history.done = *done != 0;
  if (file.HasAttribute("/", "measured_units")) {  // files before it have none: measured afresh
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "measured_units"), history.measured_units));
    MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "measured_seconds"), history.measured_seconds));
    MPITUNE_RETURN_IF_ERROR(
        ReadInto(file.ReadIntAttribute("/", "measured_observations"), history.measured_observations));
    if (!(history.measured_units >= 0.0) || !(history.measured_seconds >= 0.0) ||
        !std::isfinite(history.measured_units) || !std::isfinite(history.measured_seconds) ||
        history.measured_observations < 0) {
      return Status::BadInput(fmt::format("{}: / measured_units, measured_seconds, measured_observations: not a "
                                          "measured cost ({}, {}, {})",
                                          file.path(), history.measured_units, history.measured_seconds,
                                          history.measured_observations));
    }
  }
  return Status::Ok();
}

// A format-1 file's definition, made by `upgrade` from its config text.
Result<StudyDefinition> UpgradeDefinition(const H5File& file, const DefinitionUpgrade& upgrade) {
  LegacyDefinition legacy;
  std::int64_t seed = 0;
  std::int64_t space_hash = 0;
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "name"), legacy.name));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadStringAttribute("/", "config_yaml"), legacy.config_yaml));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "seed"), seed));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "max_trials"), legacy.max_trials));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadDoubleAttribute("/", "report_every"), legacy.report_every));
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "space_hash"), space_hash));
  legacy.seed = std::bit_cast<std::uint64_t>(seed);
  legacy.space_hash = std::bit_cast<std::uint64_t>(space_hash);
  Result<StudyDefinition> definition = upgrade(legacy);
  if (!definition.ok()) return definition.status();
  if (definition->space.Hash() != legacy.space_hash) {
    return Status::BadInput("the stored search space does not match its hash (corrupt file)");
  }
  return definition;
}

}  // namespace

Status WriteSnapshotFile(const std::string& path, const StudyDefinition& definition, const Scheduler& scheduler,
                         const StudyHistory& history, std::int64_t last_sequence, ReportsBefore reports_before) {
  const std::string temporary = path + ".tmp";
  std::vector<std::uint8_t> image;
  {
    std::optional<H5File> earlier;
    if (reports_before == ReportsBefore::kInTheFile) {
      Result<H5File> opened = H5File::OpenReadOnly(path);
      if (!opened.ok()) return opened.status();
      earlier.emplace(std::move(*opened));
    }
    // Made in memory and written by us: a full disk is one failed write(2), never a
    // half-written file inside HDF5.
    Result<H5File> file = H5File::CreateInMemory(temporary, kSealSize);
    if (!file.ok()) return file.status();
    MPITUNE_RETURN_IF_ERROR(
        WriteContents(*file, definition, scheduler, history, last_sequence, earlier ? &*earlier : nullptr));
    Result<std::vector<std::uint8_t>> taken = file->Image();
    if (!taken.ok()) return taken.status();
    image = std::move(*taken);
    MPITUNE_RETURN_IF_ERROR(file->Close());
  }
  SealImage(image);
  MPITUNE_RETURN_IF_ERROR(WriteFileSynced(temporary, image));
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return ErrnoStatus(path, "rename " + temporary, error);
  }
  return SyncParentDirectory(path);
}

Result<SnapshotContents> ReadSnapshotFile(const std::string& path, SnapshotPart part,
                                          const DefinitionUpgrade* upgrade) {
  Result<H5File> opened = H5File::OpenReadOnly(path);
  if (!opened.ok()) return opened.status();
  const H5File& file = *opened;
  Result<std::string> format = file.ReadStringAttribute("/", "format");
  if (!format.ok() || *format != kStudyFormatName) {
    return Status::BadInput(fmt::format("{}: not an mpitune study file (an HDF5 file without the '{}' format tag)",
                                        path, kStudyFormatName));
  }
  Result<std::int64_t> version = file.ReadIntAttribute("/", "format_version");
  if (!version.ok()) return version.status();
  const bool legacy = *version == 1 && upgrade != nullptr;
  if (*version != kStudyFormatVersion && !legacy) {
    return Status::BadInput(fmt::format("{}: study format version {}; this mpitune reads versions 1 to {}", path,
                                        *version, kStudyFormatVersion));
  }
  SnapshotContents contents;
  Result<StudyDefinition> definition = legacy ? UpgradeDefinition(file, *upgrade) : ReadDefinition(file);
  if (!definition.ok()) return Status::BadInput(fmt::format("{}: {}", path, definition.status().message()));
  contents.definition = std::move(*definition);
  MPITUNE_RETURN_IF_ERROR(ReadInto(file.ReadIntAttribute("/", "last_sequence"), contents.last_sequence));
  if (part == SnapshotPart::kAttributes) return contents;
  MPITUNE_RETURN_IF_ERROR(ReadInto(ReadSavedState(file, "/scheduler"), contents.scheduler_state));
  MPITUNE_RETURN_IF_ERROR(ReadHistory(file, contents.history));
  return contents;
}

}  // namespace mpitune::store
