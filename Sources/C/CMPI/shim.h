// Open MPI's C API (Debian's libopenmpi-dev). Swift never imports this module: MPI's handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are macros over addresses of library globals, which Swift
// cannot see, so MPIShim calls MPI from C and exposes plain functions.
#include <mpi.h>
