// How long this process has run, start-up (loading the config, opening and replaying
// the study file, starting MPI) included: what "elapsed" means to the person waiting.
#pragma once

namespace mpitune::cli {

double SecondsSinceProcessStart();

}  // namespace mpitune::cli
