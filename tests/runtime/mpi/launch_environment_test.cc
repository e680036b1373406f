#include "runtime/mpi/launch_environment.h"

#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace mpitune {
namespace {

using Environment = std::map<std::string, std::string, std::less<>>;

// The variables captured (with `env`) in a task of a real launch: the files in
// tests/runtime/mpi/launch_env/ say which launch, on their first line.
Environment Captured(const std::string& name) {
  const std::string path = std::string(MPITUNE_SOURCE_DIR) + "/tests/runtime/mpi/launch_env/" + name + ".env";
  std::ifstream in(path);
  EXPECT_TRUE(in.is_open()) << "cannot read " << path;
  Environment environment;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    environment[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return environment;
}

LaunchEnvironment Classify(const std::string& name) { return ClassifyLaunch(Captured(name)); }

// A probe that fails the test when the plan asks it: only PMI-2 steps of several
// tasks may need to know.
bool UnexpectedProbe() {
  ADD_FAILURE() << "PlanLaunch asked whether MPI supports PMI-2";
  return false;
}
bool NoPmi2() { return false; }
bool HasPmi2() { return true; }

void ExpectOneLine(const Status& status) {
  EXPECT_EQ(status.message().find('\n'), std::string::npos) << status.message();
}

TEST(ClassifyLaunchTest, ShellsWithoutAJobStepAreNoLaunch) {
  // sbatch's batch shell has SLURM_PROCID=0 and SLURM_NTASKS (with -n), salloc's
  // SLURM_NTASKS: neither was started as a task of an MPI job.
  for (const char* name : {"plain_shell", "sbatch_shell", "sbatch_n3_shell", "salloc_n2_shell"}) {
    SCOPED_TRACE(name);
    const LaunchEnvironment launch = Classify(name);
    EXPECT_EQ(launch.launcher, Launcher::kNone);
    EXPECT_FALSE(launch.rank.has_value());
    EXPECT_FALSE(launch.size.has_value());
    EXPECT_TRUE(launch.first_task());
    EXPECT_EQ(PlanLaunch(launch, UnexpectedProbe).action, LaunchAction::kSingleProcess);
  }
}

TEST(ClassifyLaunchTest, SrunWithPmixGivesTheTaskAndStepSize) {
  const LaunchEnvironment first = Classify("srun_pmix_n3_task0");
  EXPECT_EQ(first.launcher, Launcher::kSrunPmix);
  EXPECT_EQ(first.rank, 0);
  EXPECT_EQ(first.size, 3);
  EXPECT_TRUE(first.first_task());
  EXPECT_EQ(DescribeLauncher(first), "srun --mpi=pmix");
  EXPECT_EQ(PlanLaunch(first, UnexpectedProbe).action, LaunchAction::kStartMpi);

  const LaunchEnvironment second = Classify("srun_pmix_n3_task1");
  EXPECT_EQ(second.launcher, Launcher::kSrunPmix);
  EXPECT_EQ(second.rank, 1);
  EXPECT_FALSE(second.first_task());
}

TEST(ClassifyLaunchTest, SrunUsesSlurmsDefaultMpiPlugin) {
  // `srun -n 3` on a cluster with MpiDefault=pmix, and srun inside `sbatch -n 3`.
  for (const char* name : {"srun_n3_task2", "sbatch_n3_srun_task2"}) {
    SCOPED_TRACE(name);
    const LaunchEnvironment launch = Classify(name);
    EXPECT_EQ(launch.launcher, Launcher::kSrunPmix);
    EXPECT_EQ(launch.rank, 2);
    EXPECT_EQ(launch.size, 3);
    EXPECT_EQ(PlanLaunch(launch, UnexpectedProbe).action, LaunchAction::kStartMpi);
  }
}

TEST(ClassifyLaunchTest, SrunWithPmi2IsRefusedUnlessMpiSupportsIt) {
  const LaunchEnvironment launch = Classify("srun_pmi2_n3_task2");
  EXPECT_EQ(launch.launcher, Launcher::kSrunPmi2);
  EXPECT_EQ(launch.rank, 2);
  EXPECT_EQ(launch.size, 3);
  EXPECT_FALSE(launch.first_task());
  EXPECT_EQ(PlanLaunch(launch, HasPmi2).action, LaunchAction::kStartMpi);

  const LaunchPlan plan = PlanLaunch(Classify("srun_pmi2_n3_task0"), NoPmi2);
  ASSERT_EQ(plan.action, LaunchAction::kRefuse);
  EXPECT_EQ(plan.refusal.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(plan.refusal.message(),
            "srun --mpi=pmi2 started 3 tasks but this Open MPI has no PMI-2 support, so each task would run the "
            "whole study alone; launch with `srun --mpi=pmix` or with mpirun inside the allocation");
  ExpectOneLine(plan.refusal);
}

TEST(ClassifyLaunchTest, SrunWithoutMpiWiringIsRefused) {
  const LaunchEnvironment first = Classify("srun_none_n3_task0");
  EXPECT_EQ(first.launcher, Launcher::kSrunNoWiring);
  EXPECT_EQ(first.rank, 0);
  EXPECT_EQ(first.size, 3);
  const LaunchPlan plan = PlanLaunch(first, UnexpectedProbe);
  ASSERT_EQ(plan.action, LaunchAction::kRefuse);
  EXPECT_EQ(plan.refusal.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(plan.refusal.message(),
            "srun --mpi=none started 3 tasks without PMIx or PMI-2 for MPI to join them, so each task would run the "
            "whole study alone; launch with `srun --mpi=pmix` or with mpirun inside the allocation");
  ExpectOneLine(plan.refusal);

  // Every task refuses; only the first says why.
  const LaunchEnvironment second = Classify("srun_none_n3_task1");
  EXPECT_EQ(PlanLaunch(second, UnexpectedProbe).action, LaunchAction::kRefuse);
  EXPECT_FALSE(second.first_task());
}

TEST(ClassifyLaunchTest, ASingleTaskStepRunsWithoutMpi) {
  // A lone task needs no MPI, and Open MPI's MPI_Init would abort it under
  // --mpi=pmi2 or --mpi=none.
  const std::map<std::string, Launcher> expected = {{"srun_n1", Launcher::kSrunPmix},
                                                    {"srun_pmi2_n1", Launcher::kSrunPmi2},
                                                    {"srun_none_n1", Launcher::kSrunNoWiring}};
  for (const auto& [name, launcher] : expected) {
    SCOPED_TRACE(name);
    const LaunchEnvironment launch = Classify(name);
    EXPECT_EQ(launch.launcher, launcher);
    EXPECT_EQ(launch.rank, 0);
    EXPECT_EQ(launch.size, 1);
    EXPECT_EQ(PlanLaunch(launch, UnexpectedProbe).action, LaunchAction::kSingleProcess);
  }
}

TEST(ClassifyLaunchTest, MpirunInABatchJobIgnoresTheBatchShellsSlurmVariables) {
  // Every rank inherits the batch shell's SLURM_PROCID=0.
  const LaunchEnvironment first = Classify("sbatch_n3_mpirun_rank0");
  EXPECT_EQ(first.launcher, Launcher::kMpirun);
  EXPECT_EQ(first.rank, 0);
  EXPECT_EQ(first.size, 3);
  const LaunchEnvironment last = Classify("sbatch_n3_mpirun_rank2");
  EXPECT_EQ(last.launcher, Launcher::kMpirun);
  EXPECT_EQ(last.rank, 2);
  EXPECT_EQ(last.size, 3);
  EXPECT_FALSE(last.first_task());
  EXPECT_EQ(PlanLaunch(last, UnexpectedProbe).action, LaunchAction::kStartMpi);
}

TEST(ClassifyLaunchTest, MpirunInAJobStepIgnoresTheStepsVariables) {
  // mpirun -np 2 run by task 1 of a 2-task pmix step: SLURM_PROCID=1 and the
  // step's PMIx variables on both ranks.
  const LaunchEnvironment launch = Classify("srun_task1_mpirun_np2_rank1");
  EXPECT_EQ(launch.launcher, Launcher::kMpirun);
  EXPECT_EQ(launch.rank, 1);
  EXPECT_EQ(launch.size, 2);
  EXPECT_EQ(DescribeLauncher(launch), "mpirun");
}

TEST(ClassifyLaunchTest, MpirunInAPlainShell) {
  const LaunchEnvironment launch = Classify("mpirun_np3_rank1");
  EXPECT_EQ(launch.launcher, Launcher::kMpirun);
  EXPECT_EQ(launch.rank, 1);
  EXPECT_EQ(launch.size, 3);
}

TEST(ClassifyLaunchTest, BatchShellSubmittedFromAJobStepInheritsTheStepAndIsRefused) {
  // sbatch passes the submitting task's environment on, step variables included,
  // and nothing in it tells them apart from a real step's: refusing is the safe
  // side (running the study in each task of a real step is not).
  const LaunchEnvironment launch = Classify("sbatch_shell_from_srun_none_n2");
  EXPECT_EQ(launch.launcher, Launcher::kSrunNoWiring);
  EXPECT_EQ(launch.size, 2);
  EXPECT_EQ(PlanLaunch(launch, UnexpectedProbe).action, LaunchAction::kRefuse);
}

TEST(ClassifyLaunchTest, AnotherPmixLauncherStartsMpiWithTheSizeUnknown) {
  const LaunchEnvironment launch = ClassifyLaunch(Environment{{"PMIX_RANK", "4"}, {"PMIX_NAMESPACE", "prterun-x-1"}});
  EXPECT_EQ(launch.launcher, Launcher::kPmix);
  EXPECT_EQ(launch.rank, 4);
  EXPECT_FALSE(launch.size.has_value());
  EXPECT_EQ(PlanLaunch(launch, UnexpectedProbe).action, LaunchAction::kStartMpi);
  EXPECT_TRUE(CheckMpiWorld(launch, 7).ok());
}

TEST(ClassifyLaunchTest, MalformedValuesSayNothing) {
  // A step needs a task count: without one it is no step.
  EXPECT_EQ(ClassifyLaunch(Environment{{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "3x"}, {"SLURM_PROCID", "1"}})
                .launcher,
            Launcher::kNone);
  EXPECT_EQ(ClassifyLaunch(Environment{{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "0"}}).launcher,
            Launcher::kNone);
  const LaunchEnvironment mpirun =
      ClassifyLaunch(Environment{{"OMPI_COMM_WORLD_SIZE", "-2"}, {"OMPI_COMM_WORLD_RANK", ""}});
  EXPECT_EQ(mpirun.launcher, Launcher::kMpirun);
  EXPECT_FALSE(mpirun.rank.has_value());
  EXPECT_FALSE(mpirun.size.has_value());
  EXPECT_TRUE(mpirun.first_task());
  EXPECT_EQ(PlanLaunch(mpirun, UnexpectedProbe).action, LaunchAction::kStartMpi);
}

TEST(ClassifyLaunchTest, StepRankFallsBackOnThePmiRank) {
  const LaunchEnvironment launch = ClassifyLaunch(Environment{
      {"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"PMI_RANK", "1"}, {"SLURM_MPI_TYPE", "pmi2"}});
  EXPECT_EQ(launch.launcher, Launcher::kSrunPmi2);
  EXPECT_EQ(launch.rank, 1);
}

TEST(CheckMpiWorldTest, TheWorldMustHoldEveryTaskStarted) {
  const LaunchEnvironment launch = Classify("srun_pmix_n3_task1");
  EXPECT_TRUE(CheckMpiWorld(launch, 3).ok());

  const Status alone = CheckMpiWorld(launch, 1);
  EXPECT_EQ(alone.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(alone.message(),
            "srun --mpi=pmix started 3 tasks but MPI sees a world of 1 in each, so each task would run the whole "
            "study alone; launch with mpirun inside the allocation, or check that Slurm's PMIx and Open MPI's agree");
  ExpectOneLine(alone);

  const Status part = CheckMpiWorld(launch, 2);
  EXPECT_EQ(part.kind(), ErrorKind::kBadInput);
  EXPECT_NE(part.message().find("MPI sees a world of 2"), std::string::npos) << part.message();

  // A PMI-2 step that MPI said it could join, but did not.
  const Status pmi2 = CheckMpiWorld(Classify("srun_pmi2_n3_task0"), 1);
  EXPECT_NE(pmi2.message().find("srun --mpi=pmi2 started 3 tasks"), std::string::npos) << pmi2.message();
  EXPECT_NE(pmi2.message().find("`srun --mpi=pmix`"), std::string::npos) << pmi2.message();

  // A world of 1 is what one task expects.
  EXPECT_TRUE(CheckMpiWorld(Classify("srun_n1"), 1).ok());
  EXPECT_TRUE(CheckMpiWorld(Classify("mpirun_np3_rank1"), 3).ok());
}

TEST(MpiStartFailureTest, SeveralTasksMakeItARefusal) {
  const Status failure = Status::Internal("MPI_Init_thread: MPI_ERR_OTHER: known error not in list");
  const Status refusal = MpiStartFailure(Classify("srun_pmix_n3_task0"), failure);
  EXPECT_EQ(refusal.kind(), ErrorKind::kBadInput);
  EXPECT_EQ(refusal.message(),
            "srun --mpi=pmix started 3 tasks but MPI_Init failed (MPI_Init_thread: MPI_ERR_OTHER: known error not "
            "in list); launch with mpirun inside the allocation, or check that Slurm's PMIx and Open MPI's agree");

  // With one task, or none known, the failure stays what it was.
  const Status single = MpiStartFailure(Classify("srun_n1"), failure);
  EXPECT_EQ(single.kind(), ErrorKind::kInternal);
  EXPECT_EQ(single.message(), failure.message());
  EXPECT_EQ(MpiStartFailure(ClassifyLaunch(Environment{{"PMIX_RANK", "0"}}), failure).kind(), ErrorKind::kInternal);
}

}  // namespace
}  // namespace mpitune
