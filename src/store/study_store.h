// The HDF5 study file: the study's single source of truth, written by one process
// (rank 0) and readable by any other while the study runs.
//
// Durability: every scheduler event and runtime fact is appended to a journal beside
// the file (<file>.journal, CRC-framed records, group-committed: written at least
// every few milliseconds, fdatasync'ed by a background thread every
// kSyncEverySeconds when anything was written); the HDF5
// file itself is only ever replaced whole (written to <file>.tmp, fsync'ed, renamed
// over, directory fsync'ed) by a snapshot, taken every kSnapshotEverySeconds and when
// the study stops. Opening a study loads the snapshot and replays the journal records
// after it, up to the first torn or corrupt one, so a kill -9 at any moment leaves
// the last snapshot plus every whole journal record, and no half-written record is
// ever read. The writer keeps its own copy of the journal's records since the last
// snapshot: snapshots are made from it, and a journal that another process truncated,
// overwrote, replaced or deleted is kept aside and written again from it, so no
// recorded event is lost. The README's "Study file" section documents the layout.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mpitune/scheduler.h"
#include "mpitune/status.h"
#include "mpitune/run_record.h"
#include "store/study_definition.h"

namespace mpitune {

// 2: the study definition (space, scheduler options) stored as attributes and
// datasets; runs carry first_report_at.
inline constexpr std::int64_t kStudyFormatVersion = 2;
inline constexpr double kSyncEverySeconds = 0.5;
inline constexpr double kSnapshotEverySeconds = 60.0;
// A snapshot is also taken once the journal holds this much, which bounds what the
// writer keeps in memory (its copy of the journal) and what a reader replays.
inline constexpr std::uint64_t kSnapshotJournalBytes = std::uint64_t{256} << 20;

struct StoredCheckpoint {
  double step = 0.0;
  std::vector<std::uint8_t> state;
};

// A deque, not a vector: a study can hold millions of reports, and growing a vector
// copies them all (measured: 0.3 µs per report at 2 M, half the store's cost).
using StoredReports = std::deque<ReportRecord>;

// Everything the file holds besides the scheduler's own state.
struct StudyHistory {
  std::vector<StudySession> sessions;  // in order; empty in files written before them
  std::vector<RunRecord> runs;
  StoredReports reports;
  std::map<TrialId, StoredCheckpoint> checkpoints;
  std::unordered_map<TrialId, std::size_t> open_runs;  // trial -> its unfinished run
  bool done = false;        // the scheduler said Done
  double last_time = 0.0;   // latest study time of any event
  // What the deadline measured a budget unit to cost (DeadlinePolicy), so that a
  // resumed study does not start from the prior estimate. Kept in snapshots only: a
  // crash loses what was measured since the last one, a cost estimate, not results.
  double measured_units = 0.0;
  double measured_seconds = 0.0;
  std::int64_t measured_observations = 0;
};

// A study as its file has it: definition, scheduler (snapshot + journal replayed), history.
struct StoredStudy {
  std::string path;
  StudyDefinition definition;
  std::unique_ptr<Scheduler> scheduler;
  StudyHistory history;
  std::int64_t last_sequence = 0;     // of the last event applied
  std::int64_t snapshot_sequence = 0; // of the last event in the HDF5 snapshot
  std::int64_t journal_events = 0;    // events replayed from the journal
  bool torn_tail = false;             // the journal ended in a partial record
};

// Reads the study at `path` (an HDF5 snapshot plus its journal) without changing
// anything. Missing, truncated, foreign (not an mpitune study) and newer-format files
// are BadInput errors naming the file; a format-1 file needs `upgrade`.
Result<StoredStudy> ReadStudyFile(const std::string& path, const DefinitionUpgrade* upgrade = nullptr);

// Only the definition a study file stores (with its effective seed, max_trials and
// report_every), without reading and replaying its history.
Result<StudyDefinition> ReadStudyDefinition(const std::string& path, const DefinitionUpgrade* upgrade = nullptr);

// A finished study whose journal still holds events its snapshot lacks (its run could
// not write the final snapshot: a read-only directory, a full disk) is owed that
// snapshot: this writes it from the study as read and removes the journal, as the
// run's Close would have. It takes the journal's lock first (waiting as any writer
// does) and reads the study under it. Says whether a snapshot was written; a study
// that is not finished, or owes nothing, is left alone.
Result<bool> WriteOwedSnapshot(const std::string& path, const DefinitionUpgrade* upgrade = nullptr);

class StudyStore final {
 public:
  // Starts a new study file at `path` (which must not exist) for `scheduler`, which
  // has seen no event yet and must outlive the store.
  static Result<std::unique_ptr<StudyStore>> Create(const std::string& path, const StudyDefinition& definition,
                                                    Scheduler& scheduler);
  // Goes on with a study read by ReadStudyFile; the store takes its history and
  // drives its scheduler. Runs that were open when the file was last written (the
  // process died) are finished as kInterrupted at `now`, so the scheduler re-queues
  // them from their last checkpoint.
  static Result<std::unique_ptr<StudyStore>> Continue(StoredStudy& study, double now);
  ~StudyStore();

  // The scheduler to drive: the study's scheduler, with every call recorded. Once the
  // store has failed or is closed, Next says Done, so that no new work starts unrecorded.
  Scheduler& scheduler();
  // The history as the store holds it: runs, checkpoints, times, but no report rows
  // (history().reports is empty): reports live in the snapshot and the journal.
  const StudyHistory& history() const;
  // Every report so far: the snapshot's (read from the file), then those recorded
  // since (from the writer's own copy of the journal).
  Result<StoredReports> AllReports();
  const std::string& path() const;

  // Runtime facts besides the scheduler's own events.
  // The run just assigned to `trial` went to this rank / device.
  void RunStarted(TrialId trial, int rank, const std::string& device);
  // Its worker's account of how the run ended (call before Scheduler::Finished).
  void RunEnded(TrialId trial, std::int64_t exit_code, double duration, const std::string& message);
  // What its command printed that made no report (call before RunEnded).
  void RunOutput(TrialId trial, const MetricLineCounts& lines);
  // A built-in objective's state at `step`, for resuming the trial later, anywhere.
  void Checkpointed(TrialId trial, double step, std::vector<std::uint8_t> state);
  // The deadline measured `units` budget units in `seconds` (one observation).
  void CostMeasured(double units, double seconds);
  // The last checkpoint of `trial`, or null.
  const StoredCheckpoint* FindCheckpoint(TrialId trial) const;
  // Writes, syncs and snapshots what is due; call it often (idle loops included). An
  // error means the study can no longer be stored.
  Status Tick(double now);

  // Syncs the journal now (every record so far is acknowledged once this returns).
  Status Sync();
  // Writes a snapshot now and empties the journal.
  Status Snapshot();
  // The study's time budget changed (a resume gave another): stored with a snapshot now.
  Status SetTimeBudget(double seconds);
  // Final snapshot; the journal file is removed. Call once, when the run ends: later
  // calls record nothing and change no file.
  Status Close();
  // The first write error, if any (sticky).
  const Status& error() const;
  // Sequence number of the last event recorded (events over the study's whole life).
  std::int64_t last_sequence() const;

 private:
  class Impl;
  explicit StudyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mpitune
