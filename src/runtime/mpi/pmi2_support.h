// Whether the linked Open MPI can be direct-launched by `srun --mpi=pmi2`.
#pragma once

namespace mpitune {

// Asks MPI's tool interface (usable before MPI_Init) whether Open MPI's PMI-2
// client, the `s2` component of its pmix framework, is there. Open MPI builds it
// only when configured --with-pmi; Debian's is not, and its MPI_Init then aborts
// every task of a PMI-2 step. Does not start MPI.
bool MpiSupportsPmi2();

}  // namespace mpitune
