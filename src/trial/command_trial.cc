// A command trial's lifetime: spawn, pump output, stop/timeout, reap (see
// command_trial.h).
#include "trial/command_trial.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <deque>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "trial/line_splitter.h"
#include "trial/metric_file_tail.h"
#include "trial/metric_parser.h"
#include "trial/process_sweep.h"
#include "trial/spawn_process.h"
#include "base/unique_fd.h"

namespace mpitune {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// Per stream and Poll call: a trial that prints without pause must not keep the
// worker from answering the coordinator.
constexpr std::size_t kMaxBytesPerPoll = 4 * 1024 * 1024;
// When the process has ended, what is still in the pipe is read up to this much; a
// descendant that escaped the group (setsid) could otherwise keep us reading forever.
constexpr std::size_t kMaxDrainBytes = 16 * 1024 * 1024;
constexpr std::size_t kMaxTailLineBytes = 1000;

std::string ErrnoMessage(int error) { return std::generic_category().message(error); }

// Control bytes would garble the one-line messages and tables the tail ends up in.
std::string PrintableLine(std::string_view line) {
  std::string out(line.substr(0, kMaxTailLineBytes));
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) c = '?';
  }
  return out;
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

// A pipe whose read end (non-blocking, ours) and write end (the child's) are both
// >= 3, so that dup2 onto 1/2 in the child never meets an fd equal to itself.
Status MakeOutputPipe(UniqueFd* read_end, UniqueFd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Io(fmt::format("pipe: {}", ErrnoMessage(errno)));
  UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
  for (UniqueFd& end : ends) {
    if (end.get() >= 3) continue;
    const int moved = fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return Status::Io(fmt::format("fcntl: {}", ErrnoMessage(errno)));
    end.Reset(moved);
  }
  const int flags = fcntl(ends[0].get(), F_GETFL);
  if (flags < 0 || fcntl(ends[0].get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return Status::Io(fmt::format("fcntl: {}", ErrnoMessage(errno)));
  }
  *read_end = std::move(ends[0]);
  *write_end = std::move(ends[1]);
  return Status::Ok();
}

Result<UniqueFd> OpenLog(const std::filesystem::path& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Io(fmt::format("{}: cannot open: {}", path.string(), ErrnoMessage(errno)));
  return UniqueFd(fd);
}

// One of the trial's output streams: its pipe, its log and its line splitter.
// A trial's stdout or stderr: the pipe it writes, its log file, and the cap on that
// log. With a cap of N bytes the file keeps its first N/2 bytes as they come and, of
// the rest of this run's output, the last N/2, written when the run ends after a line
// that says how much was left out: a trial that floods its output cannot fill the disk.
struct OutputStream {
  UniqueFd pipe;
  UniqueFd log;
  LineSplitter lines;
  bool is_stderr = false;
  bool log_failed = false;  // a full disk must not fail the trial; stop writing instead
  std::uint64_t limit = 0;  // 0: no cap
  std::uint64_t head_left = 0;  // bytes that may still go straight to the file
  std::string tail;             // what came after the head; its last limit/2 bytes are kept
  std::uint64_t cut = 0;        // bytes of this run left out

  OutputStream(std::size_t max_line, std::uint64_t log_limit) : lines(max_line), limit(log_limit) {}

  // Called once the log is open: what earlier runs wrote counts against the head.
  void StartLog(std::uint64_t existing_bytes) {
    head_left = limit == 0 ? 0 : (existing_bytes >= limit / 2 ? 0 : limit / 2 - existing_bytes);
  }

  void AppendToLog(std::string_view data) {
    if (limit == 0) {
      Write(data);
      return;
    }
    const std::size_t head = static_cast<std::size_t>(std::min<std::uint64_t>(head_left, data.size()));
    Write(data.substr(0, head));
    head_left -= head;
    tail.append(data.substr(head));
    const std::uint64_t keep = limit - limit / 2;
    if (tail.size() > 2 * keep) {  // trimmed in chunks, so a flood costs O(1) a byte
      const std::size_t drop = tail.size() - static_cast<std::size_t>(keep);
      cut += drop;
      tail.erase(0, drop);
    }
  }

  // The end of the run: the kept tail goes to the file, after a line saying what was cut.
  void FinishLog() {
    if (limit == 0 || tail.empty()) return;
    const std::uint64_t keep = limit - limit / 2;
    if (tail.size() > keep) {
      cut += tail.size() - keep;
      tail.erase(0, tail.size() - static_cast<std::size_t>(keep));
    }
    if (cut > 0) {
      Write(fmt::format("\n[mpitune: {} bytes of this run's output left out here: the log keeps {} bytes "
                        "(trial.log_limit), its first half and its last]\n",
                        cut, limit));
    }
    Write(tail);
    tail.clear();
    tail.shrink_to_fit();
    cut = 0;
  }

  void Write(std::string_view data) {
    while (!log_failed && !data.empty()) {
      const ssize_t n = write(log.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        log_failed = true;
        break;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
};

}  // namespace

class CommandTrial::Impl {
 public:
  Impl(const CommandTrialOptions& options, MetricParser parser, double now)
      : options_(options),
        parser_(std::move(parser)),
        metric_file_(options.metric_file),
        out_(options.max_line_bytes, options.log_limit_bytes),
        err_(options.max_line_bytes, options.log_limit_bytes),
        start_time_(now),
        last_now_(now) {
    err_.is_stderr = true;
  }

  ~Impl() {
    for (OutputStream* stream : {&out_, &err_}) stream->FinishLog();
    if (pid_ > 0) (void)KillTrialProcesses(token_);
    if (reaped_ || pid_ <= 0) return;
    Signal(SIGKILL);
    // SIGKILL cannot be caught, so this wait ends; without it the trial is a zombie.
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Open(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Status::Io(fmt::format("{}: cannot create trial directory: {}", dir.string(), ec.message()));
    }
    Result<UniqueFd> out_log = OpenLog(dir / "stdout.log");
    if (!out_log.ok()) return out_log.status();
    Result<UniqueFd> err_log = OpenLog(dir / "stderr.log");
    if (!err_log.ok()) return err_log.status();
    out_.log = std::move(out_log).value();
    err_.log = std::move(err_log).value();
    for (OutputStream* stream : {&out_, &err_}) {
      struct stat info {};
      stream->StartLog(fstat(stream->log.get(), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0);
    }
    return Status::Ok();
  }

  Status Spawn(const std::vector<std::string>& argv, std::vector<std::string> env) {
    UniqueFd out_write;
    UniqueFd err_write;
    MPITUNE_RETURN_IF_ERROR(MakeOutputPipe(&out_.pipe, &out_write));
    MPITUNE_RETURN_IF_ERROR(MakeOutputPipe(&err_.pipe, &err_write));
    // The mark every process of this trial carries, found and ended with it (Reap).
    token_ = NewTrialToken();
    env.push_back(fmt::format("{}={}", kTrialTokenVariable, token_));
    Result<pid_t> pid = SpawnInNewGroup(argv, env, out_write.get(), err_write.get());
    if (pid.ok()) {
      pid_ = *pid;
      return Status::Ok();  // our copies of the write ends close here: EOF comes with the child's
    }
    if (pid.status().kind() != ErrorKind::kBadInput) return pid.status();
    // The user's command cannot run: the trial fails, the worker does not.
    spawn_error_ = pid.status().message();
    const std::string line = fmt::format("mpitune: {}\n", spawn_error_);
    err_.AppendToLog(line);
    PushTail(spawn_error_);
    out_.pipe.Reset();
    err_.pipe.Reset();
    reaped_ = true;
    end_time_ = start_time_;
    return Status::Ok();
  }

  std::vector<MetricReport> Poll(double now) {
    last_now_ = now;
    if (!reaped_) {
      Pump(out_, kMaxBytesPerPoll);
      Pump(err_, kMaxBytesPerPoll);
      ReadMetricFile(/*final=*/false);
      if (LeaderEnded()) {
        Reap(now);
      } else {
        EnforceDeadlines(now);
      }
    }
    return std::exchange(reports_, {});
  }

  void WaitForOutput(double max_seconds) {
    if (reaped_) return;
    std::array<pollfd, 2> fds{};
    nfds_t count = 0;
    for (const OutputStream* stream : {&out_, &err_}) {
      if (stream->pipe.valid()) fds[count++] = pollfd{stream->pipe.get(), POLLIN, 0};
    }
    const double ms = std::clamp(max_seconds * 1000.0, 0.0, 3.6e6);
    if (count == 0) {
      // Nothing left to read from, yet the process may still run: just wait.
      usleep(static_cast<useconds_t>(std::min(ms, 1000.0) * 1000.0));
      return;
    }
    // Interrupted or failed polls just return early; the caller polls again.
    (void)poll(fds.data(), count, static_cast<int>(std::ceil(ms)));
  }

  bool Running() const { return !reaped_; }
  pid_t pid() const { return pid_; }

  void RequestStop(double now) {
    if (reaped_ || stop_requested_) return;
    stop_requested_ = true;
    BeginStop(now);
  }

  void Kill() {
    if (reaped_) return;
    stop_requested_ = true;
    kill_sent_ = true;
    Signal(SIGKILL);
  }

  TrialExit Finish() {
    if (!reaped_) {
      Kill();
      while (!LeaderEnded()) {
        // Already SIGKILLed: waits for the kernel to tear the process down.
        siginfo_t info{};
        if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno != EINTR) break;
      }
      Reap(last_now_);
    }
    return MakeExit();
  }

 private:
  // SIGTERM now, SIGKILL once the grace has passed (Poll checks). A stop already under
  // way is left as it is: a second request must not extend the grace.
  void BeginStop(double now) {
    if (stop_deadline_ || kill_sent_) return;
    if (options_.stop_grace_seconds <= 0.0) {
      kill_sent_ = true;
      Signal(SIGKILL);
      return;
    }
    stop_deadline_ = now + options_.stop_grace_seconds;
    Signal(SIGTERM);
  }

  // The whole group, and the leader by pid in case it moved itself out of it.
  void Signal(int signal) {
    if (pid_ <= 0 || reaped_) return;
    kill(-pid_, signal);
    kill(pid_, signal);
  }

  // Reads what the pipe holds, up to `max_bytes`; closes it at EOF.
  void Pump(OutputStream& stream, std::size_t max_bytes) {
    std::size_t total = 0;
    while (stream.pipe.valid() && total < max_bytes) {
      const ssize_t n = read(stream.pipe.get(), buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) {  // EOF, or an error that will not go away
        stream.pipe.Reset();
        stream.lines.Finish([&](std::string_view line, bool truncated) { OnLine(stream, line, truncated); });
        return;
      }
      const std::string_view data(buffer_.data(), static_cast<std::size_t>(n));
      total += data.size();
      stream.AppendToLog(data);
      stream.lines.Feed(data,
                        [&](std::string_view line, bool truncated) { OnLine(stream, line, truncated); });
    }
  }

  void OnLine(const OutputStream& stream, std::string_view line, bool truncated) {
    if (truncated) parser_.CountCutOff(line);
    if (stream.is_stderr) PushTail(line);
    if (stream.is_stderr && !options_.parse_stderr) return;
    if (const std::optional<MetricReport> report = parser_.Parse(line, stream.is_stderr ? 1 : 0)) {
      reports_.push_back(*report);
      ++report_count_;
    }
  }

  void ReadMetricFile(bool final) {
    if (!metric_file_.enabled()) return;
    const std::string& key = options_.metric_file_key.empty() ? options_.metric : options_.metric_file_key;
    metric_file_.Read(
        [&](std::string_view line) {
          if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank
          if (const auto report = parser_.ParseJsonLine(line, key, options_.metric_file_step_key)) {
            reports_.push_back(*report);
            ++report_count_;
          }
        },
        final);
  }

  void PushTail(std::string_view line) {
    if (options_.stderr_tail_lines == 0) return;
    if (stderr_tail_.size() == options_.stderr_tail_lines) stderr_tail_.pop_front();
    stderr_tail_.push_back(PrintableLine(line));
  }

  // True once the leader has ended, without reaping it: while it is an unreaped
  // zombie its pid, and so the group id, cannot be reused, so Reap may still
  // signal the group safely.
  bool LeaderEnded() {
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      return info.si_pid == pid_;
    }
    // ECHILD: someone else (a SIGCHLD handler in an MPI library) reaped it.
    if (errno == ECHILD) lost_ = true;
    return errno == ECHILD;
  }

  void Reap(double now) {
    // Whatever the trial left behind (data loaders, `cmd &`, in its group or gone off
    // with setsid) goes with it: orphans would hold GPUs and pipes after it ended.
    kill(-pid_, SIGKILL);
    (void)KillTrialProcesses(token_);
    if (!lost_) {
      while (waitpid(pid_, &wait_status_, 0) < 0) {
        if (errno != EINTR) {
          lost_ = true;
          break;
        }
      }
    }
    reaped_ = true;
    end_time_ = now;
    // Everything the leader wrote before it ended is in the pipes now.
    Pump(out_, kMaxDrainBytes);
    Pump(err_, kMaxDrainBytes);
    ReadMetricFile(/*final=*/true);
    for (OutputStream* stream : {&out_, &err_}) {
      if (stream->pipe.valid()) {
        stream->pipe.Reset();
        stream->lines.Finish([&](std::string_view line, bool truncated) { OnLine(*stream, line, truncated); });
      }
      stream->FinishLog();
    }
  }

  void EnforceDeadlines(double now) {
    if (kill_sent_) return;
    if (!stop_requested_ && !timed_out_ && options_.timeout_seconds > 0.0 &&
        now - start_time_ >= options_.timeout_seconds) {
      // Like a stop: the trial may save a checkpoint on SIGTERM; it is timed out all the same.
      timed_out_ = true;
      BeginStop(now);
    } else if (stop_deadline_ && now >= *stop_deadline_) {
      killed_after_grace_ = true;
      kill_sent_ = true;
      Signal(SIGKILL);
    }
  }

  TrialExit MakeExit() const {
    TrialExit exit;
    exit.stop_requested = stop_requested_;
    exit.killed_after_grace = killed_after_grace_;
    exit.timed_out = timed_out_;
    exit.duration_seconds = end_time_ - start_time_;
    exit.stderr_tail.assign(stderr_tail_.begin(), stderr_tail_.end());
    exit.reports = report_count_;
    exit.lines = parser_.counts();
    exit.why_no_report = parser_.WhyNoReport();
    if (!spawn_error_.empty()) {
      exit.outcome = TrialOutcome::kFailed;
      exit.message = spawn_error_;
      return exit;
    }
    std::string how;
    if (lost_) {
      how = "ended, but its exit status was collected elsewhere";
    } else if (WIFEXITED(wait_status_)) {
      exit.exit_code = WEXITSTATUS(wait_status_);
      how = fmt::format("exited with code {}", *exit.exit_code);
    } else if (WIFSIGNALED(wait_status_)) {
      exit.signal = WTERMSIG(wait_status_);
      how = fmt::format("killed by {}", SignalName(exit.signal));
    }
    if (timed_out_) {
      exit.outcome = TrialOutcome::kTimedOut;
      exit.message = killed_after_grace_ ? fmt::format("timed out after {} s ({} {} s after SIGTERM)",
                                                       options_.timeout_seconds, how, options_.stop_grace_seconds)
                     : kill_sent_        ? fmt::format("timed out after {} s ({})", options_.timeout_seconds, how)
                                         : fmt::format("timed out after {} s ({} after SIGTERM)",
                                                       options_.timeout_seconds, how);
    } else if (stop_requested_) {
      exit.outcome = TrialOutcome::kExited;
      exit.message = killed_after_grace_ ? fmt::format("stopped; did not end within {} s of SIGTERM ({})",
                                                       options_.stop_grace_seconds, how)
                                         : fmt::format("stopped ({})", how);
    } else {
      exit.outcome = exit.exit_code == 0 ? TrialOutcome::kExited : TrialOutcome::kFailed;
      exit.message = how;
    }
    return exit;
  }

  CommandTrialOptions options_;
  MetricParser parser_;
  MetricFileTail metric_file_;
  OutputStream out_;
  OutputStream err_;
  std::array<char, kReadChunk> buffer_{};
  std::vector<MetricReport> reports_;
  std::deque<std::string> stderr_tail_;
  std::int64_t report_count_ = 0;

  pid_t pid_ = -1;
  std::string token_;  // in the environment of every process of this trial
  int wait_status_ = 0;
  bool reaped_ = false;  // the leader is collected (or never ran); nothing is signalled after
  bool lost_ = false;
  std::string spawn_error_;

  double start_time_;
  double end_time_ = 0.0;
  double last_now_;
  std::optional<double> stop_deadline_;
  bool stop_requested_ = false;
  bool kill_sent_ = false;
  bool killed_after_grace_ = false;
  bool timed_out_ = false;
};

Result<std::unique_ptr<CommandTrial>> CommandTrial::Start(const std::vector<std::string>& argv,
                                                          const std::vector<std::string>& env,
                                                          const std::string& trial_dir,
                                                          const CommandTrialOptions& options, double now) {
  if (argv.empty()) return Status::BadInput("trial.command: is empty");
  Result<MetricParser> parser =
      MetricParser::Create(options.metric, options.metric_regex, options.metric_regex_groups);
  if (!parser.ok()) return parser.status();
  auto impl = std::make_unique<Impl>(options, std::move(parser).value(), now);
  MPITUNE_RETURN_IF_ERROR(impl->Open(trial_dir));
  MPITUNE_RETURN_IF_ERROR(impl->Spawn(argv, env));
  return std::unique_ptr<CommandTrial>(new CommandTrial(std::move(impl)));
}

CommandTrial::CommandTrial(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CommandTrial::~CommandTrial() = default;

std::vector<MetricReport> CommandTrial::Poll(double now) { return impl_->Poll(now); }
void CommandTrial::WaitForOutput(double max_seconds) { impl_->WaitForOutput(max_seconds); }
bool CommandTrial::Running() const { return impl_->Running(); }
pid_t CommandTrial::pid() const { return impl_->pid(); }
void CommandTrial::RequestStop(double now) { impl_->RequestStop(now); }
void CommandTrial::Kill() { impl_->Kill(); }
TrialExit CommandTrial::Finish() { return impl_->Finish(); }

}  // namespace mpitune
