#include "store/study_store.h"

#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "base/posix_file.h"
#include "base/time_stamp.h"
#include "core/forwarding_scheduler.h"
#include "store/background_sync.h"
#include "store/journal.h"
#include "store/study_events.h"
#include "store/study_replay.h"
#include "store/study_snapshot.h"

namespace mpitune {
namespace {

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using store::StudyEvent;

std::string JournalPath(const std::string& path) { return path + ".journal"; }

// Buffered records go to the file this often under a steady stream of events (a
// status reader sees them, a process crash cannot lose them), or when this many pile up.
constexpr double kWriteEverySeconds = 0.002;
constexpr std::size_t kWriteEveryRecords = 4096;
// The journal is checked for damage by other processes before each write, and this
// often while nothing is written.
constexpr double kCheckJournalEverySeconds = 0.5;

Status AsBadInput(const Status& status, const std::string& path) {
  if (status.ok() || status.kind() == ErrorKind::kBadInput) return status;
  return Status::BadInput(status.message().find(path) == std::string::npos ? path + ": " + status.message()
                                                                            : status.message());
}

// The snapshot file's identity: a snapshot replaces it whole (rename), so a new one
// is a new inode.
std::optional<std::pair<dev_t, ino_t>> FileIdentity(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return std::make_pair(info.st_dev, info.st_ino);
}

// One attempt at reading the snapshot and the journal after it. A journal that does
// not start right after the snapshot means a writer replaced both between our two
// reads (status of a running study): the caller reads again.
Result<StoredStudy> ReadOnce(const std::string& path, const DefinitionUpgrade* upgrade, bool& gap) {
  gap = false;
  const auto snapshot_identity = FileIdentity(path);
  Result<store::SnapshotContents> snapshot = store::ReadSnapshotFile(path, store::SnapshotPart::kAll, upgrade);
  if (!snapshot.ok()) return AsBadInput(snapshot.status(), path);
  StoredStudy study;
  study.path = path;
  study.definition = std::move(snapshot->definition);
  study.scheduler = MakeScheduler(study.definition.space, study.definition.scheduler);
  if (Status loaded = study.scheduler->Load(snapshot->scheduler_state); !loaded.ok()) {
    return Status::BadInput(fmt::format("{}: /scheduler: {}", path, loaded.message()));
  }
  study.history = std::move(snapshot->history);
  study.snapshot_sequence = snapshot->last_sequence;
  study.last_sequence = snapshot->last_sequence;

  const std::string journal_path = JournalPath(path);
  Result<store::JournalContents> journal = store::ReadJournal(journal_path);
  if (!journal.ok()) return AsBadInput(journal.status(), journal_path);
  study.torn_tail = journal->torn_tail;
  for (std::size_t i = 0; i < journal->records.size(); ++i) {
    const store::JournalRecord& record = journal->records[i];
    const std::string where = fmt::format("{}: record {}", journal_path, i + 1);
    Result<store::SequencedEvent> event = store::DecodeEvent(record.type, record.payload, where);
    if (!event.ok()) return event.status();
    if (event->sequence <= study.last_sequence) continue;  // already in the snapshot
    if (event->sequence != study.last_sequence + 1) {
      gap = true;
      return Status::BadInput(fmt::format("{}: event {} follows event {}: records are missing", where,
                                          event->sequence, study.last_sequence));
    }
    if (Status applied = store::ApplyToScheduler(*study.scheduler, event->event); !applied.ok()) {
      return Status::BadInput(fmt::format("{}: {}", where, applied.message()));
    }
    store::ApplyToHistory(study.history, event->event);
    study.last_sequence = event->sequence;
    ++study.journal_events;
  }
  // A writer that snapshotted and removed its journal (its run ended) between our
  // two reads leaves the old snapshot with no journal: read again.
  if (FileIdentity(path) != snapshot_identity) {
    gap = true;
    return Status::BadInput(fmt::format("{}: replaced by a new snapshot while it was read", path));
  }
  // A re-plan since the snapshot: the definition a later snapshot writes (and the
  // scheduler rebuilt from it) must have the value the scheduler now runs with.
  study.definition.scheduler.max_trials = study.scheduler->options().max_trials;
  study.definition.scheduler.max_budget = study.scheduler->options().max_budget;
  return study;
}

}  // namespace

Result<StudyDefinition> ReadStudyDefinition(const std::string& path, const DefinitionUpgrade* upgrade) {
  Result<store::SnapshotContents> snapshot = store::ReadSnapshotFile(path, store::SnapshotPart::kAttributes, upgrade);
  if (!snapshot.ok()) return AsBadInput(snapshot.status(), path);
  return std::move(snapshot->definition);
}

Result<StoredStudy> ReadStudyFile(const std::string& path, const DefinitionUpgrade* upgrade) {
  constexpr int kAttempts = 20;
  for (int attempt = 1;; ++attempt) {
    bool gap = false;
    Result<StoredStudy> study = ReadOnce(path, upgrade, gap);
    if (study.ok() || !gap || attempt == kAttempts) return study;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<bool> WriteOwedSnapshot(const std::string& path, const DefinitionUpgrade* upgrade) {
  const auto owed = [](const StoredStudy& study) { return study.history.done && study.journal_events > 0; };
  const std::string journal_path = JournalPath(path);
  if (::access(journal_path.c_str(), F_OK) != 0) return false;
  Result<StoredStudy> study = ReadStudyFile(path, upgrade);
  if (!study.ok()) return study.status();
  if (!owed(*study)) return false;  // and the journal is left as it is
  Result<store::JournalWriter> journal = store::JournalWriter::Open(journal_path);
  if (!journal.ok()) return journal.status();
  // Again under the lock, which no writer holds now: the study as it is.
  study = ReadStudyFile(path, upgrade);
  if (!study.ok()) return study.status();
  if (!owed(*study)) {
    // Another process settled it meanwhile; an empty journal made by Open goes.
    if (journal->records_recovered() == 0) ::unlink(journal_path.c_str());
    return false;
  }
  MPITUNE_RETURN_IF_ERROR(
      store::WriteSnapshotFile(path, study->definition, *study->scheduler, study->history, study->last_sequence));
  MPITUNE_RETURN_IF_ERROR(journal->Close());
  if (::unlink(journal_path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(journal_path, "remove", errno);
  MPITUNE_RETURN_IF_ERROR(SyncParentDirectory(path));
  return true;
}

// ---------------------------------------------------------------------------

class StudyStore::Impl {
 public:
  Impl(std::string path, StudyDefinition definition, Scheduler& scheduler)
      : path_(std::move(path)), definition_(std::move(definition)), inner_(scheduler) {}

  Status OpenJournal(bool fresh) {
    Result<store::JournalWriter> journal = store::JournalWriter::Open(JournalPath(path_));
    if (!journal.ok()) return journal.status();
    journal_.emplace(std::move(*journal));
    // A journal left by an earlier study of the same name must not replay into this one.
    if (fresh) MPITUNE_RETURN_IF_ERROR(journal_->Reset());
    Result<std::unique_ptr<store::BackgroundSync>> syncer =
        store::BackgroundSync::Start(JournalPath(path_), kSyncEverySeconds);
    if (!syncer.ok()) return syncer.status();
    syncer_ = std::move(*syncer);
    return Status::Ok();
  }

  void Record(StudyEvent event, std::optional<double> now) {
    // Closed: the journal is gone and the file final; a late call of a driver's
    // shutdown path is no part of the study (and Next says Done).
    if (closed_) return;
    if (auto* report = std::get_if<store::ReportEvent>(&event)) {
      // No row is kept for a report: its journal record is all there is, and a
      // snapshot decodes the reports from the writer's copy of those (millions of rows
      // cost more than all the rest of recording, in first-touch page faults).
      if (RunRecord* run = OpenRun(report->trial)) {
        report->rank = run->rank;
        if (run->first_report_at < 0.0) run->first_report_at = report->now;
      }
      history_.last_time = std::max(history_.last_time, report->now);
    } else {
      if (const auto* max_trials = std::get_if<store::MaxTrialsEvent>(&event)) {
        definition_.scheduler.max_trials = max_trials->max_trials;
      }
      if (const auto* max_budget = std::get_if<store::MaxBudgetEvent>(&event)) {
        definition_.scheduler.max_budget = max_budget->max_budget;
      }
      store::ApplyToHistory(history_, event);
    }
    ++sequence_;
    if (error_.ok()) {
      store::EncodeEventInto(encoded_, sequence_, event);
      journal_->Append(store::EventRecordType(event), encoded_.bytes());
    }
    if (now) (void)Tick(*now);
  }

  Status Tick(double now) {
    if (!error_.ok() || closed_) return error_;
    now_ = std::max(now_, now);
    Status status;
    const bool write = journal_->buffered_records() > 0 &&
                       (journal_->buffered_records() >= kWriteEveryRecords || now - last_write_ >= kWriteEverySeconds);
    if (write || now - last_check_ >= kCheckJournalEverySeconds) {
      last_check_ = now;
      status = CheckJournal();
    }
    if (status.ok() && write) {
      status = journal_->Write();
      last_write_ = now;
      unsynced_ = true;
    }
    if (status.ok() && unsynced_) {
      syncer_->Written();
      unsynced_ = false;
      // Checked when writing, not per event: error() takes the syncer's lock.
      if (syncer_->failed()) status = syncer_->error();
    }
    if (status.ok() &&
        (now - last_snapshot_ >= kSnapshotEverySeconds || journal_->records().bytes() >= kSnapshotJournalBytes)) {
      status = Snapshot();
    }
    return Fail(status);
  }

  Status Sync() {
    if (!error_.ok() || closed_) return error_;
    unsynced_ = false;
    Status status = CheckJournal();
    if (status.ok()) status = journal_->Sync();
    return Fail(status);
  }

  // The journal is what this process wrote, or it is set right: the damaged file
  // (truncated, overwritten, replaced or deleted by another process) is kept aside
  // and a whole journal written again from the records this process holds since the
  // last snapshot, so that nothing acknowledged is lost and the study stays openable.
  Status CheckJournal() {
    const std::string damage = journal_->FindDamage();
    if (damage.empty()) return Status::Ok();
    const std::string journal = JournalPath(path_);
    syncer_.reset();  // it syncs the damaged file
    std::string aside = journal + ".damaged-" + LocalTimeStamp();
    for (int i = 2; ::access(aside.c_str(), F_OK) == 0; ++i) {
      aside = fmt::format("{}.damaged-{}-{}", journal, LocalTimeStamp(), i);
    }
    const bool kept = ::rename(journal.c_str(), aside.c_str()) == 0;
    if (!kept && errno != ENOENT) return ErrnoStatus(journal, "move the damaged journal aside to " + aside, errno);
    MPITUNE_RETURN_IF_ERROR(journal_->Rewrite());
    Result<std::unique_ptr<store::BackgroundSync>> syncer = store::BackgroundSync::Start(journal, kSyncEverySeconds);
    if (!syncer.ok()) return syncer.status();
    syncer_ = std::move(*syncer);
    fmt::print(stderr,
               "mpitune: warning: {} {} while the study ran{}; it was written again with the {} records this "
               "process holds since the last snapshot\n",
               journal, damage, kept ? fmt::format(" (kept aside as {})", aside) : "", journal_->records().records());
    std::fflush(stderr);
    return Status::Ok();
  }

  RunRecord* OpenRun(TrialId trial) {
    const auto it = history_.open_runs.find(trial);
    return it == history_.open_runs.end() ? nullptr : &history_.runs[it->second];
  }

  // The reports recorded since the last snapshot, from the records the journal
  // writer holds (not read back from the file, which another process may have damaged).
  Status JournalReports(StoredReports& out) {
    const std::uint8_t report_type = store::EventRecordType(store::ReportEvent{});
    const std::string where = JournalPath(path_);
    return journal_->records().ForEach([&](std::uint8_t type, std::span<const std::uint8_t> payload) -> Status {
      if (type != report_type) return Status::Ok();
      Result<store::SequencedEvent> event = store::DecodeEvent(type, payload, where);
      if (!event.ok()) return event.status();
      if (event->sequence <= snapshot_sequence_) return Status::Ok();
      const auto& report = std::get<store::ReportEvent>(event->event);
      out.push_back({report.trial, report.step, report.value, report.now, static_cast<int>(report.rank)});
      return Status::Ok();
    });
  }

  void set_time_budget(double seconds) { definition_.time_budget = seconds; }

  Status Snapshot() {
    if (!error_.ok() || closed_) return error_;
    last_snapshot_ = now_;
    // Reset below must empty this process's journal, not a file put in its place.
    if (Status checked = CheckJournal(); !checked.ok()) return Fail(checked);
    // history_.reports holds every report only before the first snapshot of a
    // continued study; after that, the file and the journal hold them.
    Status status;
    if (reports_in_file_) {
      history_.reports.clear();
      status = JournalReports(history_.reports);
    }
    if (status.ok()) {
      status = store::WriteSnapshotFile(
          path_, definition_, inner_, history_, sequence_,
          reports_in_file_ ? store::ReportsBefore::kInTheFile : store::ReportsBefore::kNone);
    }
    if (status.ok()) {
      history_.reports.clear();
      reports_in_file_ = true;
      snapshot_sequence_ = sequence_;
    } else if (reports_in_file_) {
      history_.reports.clear();  // decoded for this attempt only
    }
    // Every journal record is now in the snapshot; a crash before this Reset leaves
    // records the reader skips by their sequence numbers.
    if (status.ok()) status = journal_->Reset();
    unsynced_ = false;
    return Fail(status);
  }

  Status Close() {
    if (closed_) return error_;
    // Every record reaches the disk first: should the final snapshot fail (a read-only
    // directory, a full disk), the journal still holds the whole study, and the next
    // run or resume writes the snapshot it is owed (WriteOwedSnapshot).
    Status status = Sync();
    if (status.ok()) status = Snapshot();
    closed_ = true;
    if (!status.ok()) return status;
    syncer_.reset();
    journal_.reset();
    if (::unlink(JournalPath(path_).c_str()) != 0 && errno != ENOENT) {
      return Fail(ErrnoStatus(JournalPath(path_), "remove", errno));
    }
    return Fail(SyncParentDirectory(path_));
  }

  Status Fail(Status status) {
    if (!status.ok() && error_.ok()) {
      error_ = status.WithContext("study file");
    }
    return status.ok() ? error_ : status;
  }

  std::string path_;
  StudyDefinition definition_;
  Scheduler& inner_;
  std::unique_ptr<Scheduler> owned_scheduler_;  // Continue: the stored study's
  std::unique_ptr<Scheduler> recorder_;
  std::optional<store::JournalWriter> journal_;
  StudyHistory history_;
  std::int64_t sequence_ = 0;
  std::unique_ptr<store::BackgroundSync> syncer_;
  bool reports_in_file_ = false;  // the snapshot at path_ holds the reports not in history_
  std::int64_t snapshot_sequence_ = 0;  // the last event in the snapshot at path_
  ByteWriter encoded_;  // reused for every record
  Status error_;
  double now_ = 0.0;
  double last_write_ = 0.0;
  double last_snapshot_ = 0.0;
  double last_check_ = 0.0;
  bool unsynced_ = false;
  bool closed_ = false;
};

namespace {

// The study's scheduler with every call that changes it appended to the journal, in
// the order made: replaying them rebuilds its state exactly.
class RecordingScheduler final : public ForwardingScheduler {
 public:
  RecordingScheduler(Scheduler& inner, std::function<void(StudyEvent, std::optional<double>)> record,
                     std::function<bool()> failed, std::function<bool()> done)
      : ForwardingScheduler(inner), record_(std::move(record)), failed_(std::move(failed)),
        done_(std::move(done)) {}

  NextAction Next(double now) override { return NextWithin(now, HUGE_VAL); }

  NextAction NextWithin(double now, double max_units) override {
    if (failed_()) return Done{};
    NextAction action = inner().NextWithin(now, max_units);
    if (const auto* assignment = std::get_if<Assignment>(&action)) {
      record_(store::AssignEvent{now, assignment->trial, assignment->budget, assignment->resume_step, max_units},
              now);
    } else if (std::holds_alternative<Done>(action) && !done_()) {
      record_(store::DoneEvent{now}, now);
    } else if (std::holds_alternative<Wait>(action)) {
      // A Wait can change the scheduler too (see study_events.h): not recording it
      // would leave a replayed scheduler in another state than this one.
      record_(store::WaitEvent{now, max_units}, now);
    }
    return action;
  }

  Decision Report(TrialId trial, double step, double value, double now) override {
    // A report the scheduler ignores (stale) changes nothing and is not history.
    const bool running = trial >= 0 && static_cast<std::size_t>(trial) < inner().trials().size() &&
                         inner().trials()[static_cast<std::size_t>(trial)].state == TrialState::kRunning;
    const Decision decision = inner().Report(trial, step, value, now);
    if (running) record_(store::ReportEvent{now, trial, step, value}, now);
    return decision;
  }

  void Finished(TrialId trial, TrialOutcome outcome, double now) override {
    inner().Finished(trial, outcome, now);
    record_(store::FinishedEvent{now, trial, outcome}, now);
  }

  bool SetMaxTrials(std::int64_t max_trials) override {
    if (failed_() || !inner().SetMaxTrials(max_trials)) return false;
    record_(store::MaxTrialsEvent{inner().options().max_trials}, std::nullopt);
    return true;
  }

  bool SetMaxBudget(double max_budget) override {
    if (failed_() || !inner().SetMaxBudget(max_budget)) return false;
    record_(store::MaxBudgetEvent{inner().options().max_budget}, std::nullopt);
    return true;
  }

 private:
  std::function<void(StudyEvent, std::optional<double>)> record_;
  std::function<bool()> failed_;
  std::function<bool()> done_;
};

}  // namespace

StudyStore::StudyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  Impl& self = *impl_;
  impl_->recorder_ = std::make_unique<RecordingScheduler>(
      self.inner_, [&self](StudyEvent event, std::optional<double> now) { self.Record(std::move(event), now); },
      [&self] { return !self.error_.ok() || self.closed_; }, [&self] { return self.history_.done; });
}

StudyStore::~StudyStore() = default;

Result<std::unique_ptr<StudyStore>> StudyStore::Create(const std::string& path, const StudyDefinition& definition,
                                                       Scheduler& scheduler) {
  if (::access(path.c_str(), F_OK) == 0) {
    return Status::BadInput(fmt::format("{}: a study file is already there", path));
  }
  auto impl = std::make_unique<Impl>(path, definition, scheduler);
  // The journal first (locked, emptied): a reader that finds the study file then
  // finds its writer too, never a new study without one (which reads as stopped).
  MPITUNE_RETURN_IF_ERROR(impl->OpenJournal(/*fresh=*/true));
  // The snapshot written at open holds the session, so even a kill -9 at once keeps it.
  impl->history_.sessions.push_back(StudySession{0.0, WallSeconds()});
  if (Status written = store::WriteSnapshotFile(path, definition, scheduler, impl->history_, 0); !written.ok()) {
    impl.reset();  // the journal's lock and its sync thread go first
    ::unlink(JournalPath(path).c_str());
    return written;
  }
  impl->reports_in_file_ = true;
  return std::unique_ptr<StudyStore>(new StudyStore(std::move(impl)));
}

Result<std::unique_ptr<StudyStore>> StudyStore::Continue(StoredStudy& study, double now) {
  auto impl = std::make_unique<Impl>(study.path, study.definition, *study.scheduler);
  impl->owned_scheduler_ = std::move(study.scheduler);
  impl->history_ = std::move(study.history);
  impl->history_.sessions.push_back(StudySession{now, WallSeconds()});
  impl->sequence_ = study.last_sequence;
  impl->now_ = now;
  impl->last_write_ = impl->last_snapshot_ = now;
  MPITUNE_RETURN_IF_ERROR(impl->OpenJournal(/*fresh=*/false));
  auto store = std::unique_ptr<StudyStore>(new StudyStore(std::move(impl)));
  // Runs cut short by the end of the last process go back to the scheduler, which
  // re-queues them from their last checkpoint.
  std::vector<TrialId> open;
  for (const auto& [trial, run] : store->impl_->history_.open_runs) open.push_back(trial);
  std::sort(open.begin(), open.end());
  for (TrialId trial : open) {
    store->RunEnded(trial, 0, 0.0, "interrupted: the process running the study ended");
    store->scheduler().Finished(trial, TrialOutcome::kInterrupted, now);
  }
  MPITUNE_RETURN_IF_ERROR(store->Snapshot());
  return store;
}

Scheduler& StudyStore::scheduler() { return *impl_->recorder_; }
const StudyHistory& StudyStore::history() const { return impl_->history_; }

Result<StoredReports> StudyStore::AllReports() {
  if (!impl_->reports_in_file_) return impl_->history_.reports;
  Result<store::SnapshotContents> snapshot = store::ReadSnapshotFile(impl_->path_);
  if (!snapshot.ok()) return snapshot.status();
  StoredReports reports = std::move(snapshot->history.reports);
  MPITUNE_RETURN_IF_ERROR(impl_->JournalReports(reports));
  return reports;
}
const std::string& StudyStore::path() const { return impl_->path_; }
const Status& StudyStore::error() const { return impl_->error_; }
std::int64_t StudyStore::last_sequence() const { return impl_->sequence_; }

void StudyStore::RunStarted(TrialId trial, int rank, const std::string& device) {
  impl_->Record(store::RunStartedEvent{trial, rank, device}, std::nullopt);
}

void StudyStore::RunEnded(TrialId trial, std::int64_t exit_code, double duration, const std::string& message) {
  impl_->Record(store::RunEndedEvent{trial, exit_code, duration, message}, std::nullopt);
}

void StudyStore::RunOutput(TrialId trial, const MetricLineCounts& lines) {
  impl_->Record(store::MetricLinesEvent{trial, lines}, std::nullopt);
}

void StudyStore::Checkpointed(TrialId trial, double step, std::vector<std::uint8_t> state) {
  impl_->Record(store::CheckpointEvent{trial, step, std::move(state)}, std::nullopt);
}

void StudyStore::CostMeasured(double units, double seconds) {
  StudyHistory& history = impl_->history_;
  history.measured_units += units;
  history.measured_seconds += seconds;
  ++history.measured_observations;
}

const StoredCheckpoint* StudyStore::FindCheckpoint(TrialId trial) const {
  const auto it = impl_->history_.checkpoints.find(trial);
  return it == impl_->history_.checkpoints.end() ? nullptr : &it->second;
}

Status StudyStore::Tick(double now) { return impl_->Tick(now); }
Status StudyStore::Sync() { return impl_->Sync(); }
Status StudyStore::Snapshot() { return impl_->Snapshot(); }

Status StudyStore::SetTimeBudget(double seconds) {
  impl_->set_time_budget(seconds);
  return impl_->Snapshot();
}
Status StudyStore::Close() { return impl_->Close(); }

}  // namespace mpitune
