// The few MPI calls MolGen makes, with plain C types (see Sources/C/CMPI/shim.h for why).
// Every call is on MPI_COMM_WORLD; every function returns MPI's error code (0 = success) unless
// it says otherwise. Only the thread that called molgen_mpi_init may call them (MPI_THREAD_FUNNELED).
#pragma once
#include <stddef.h>

/// Initialises MPI (MPI_Init_thread, funneled); call once, only when started by mpirun.
int molgen_mpi_init(void);
int molgen_mpi_finalize(void);
/// This process's rank and the number of processes (both 0 on error).
int molgen_mpi_rank(void);
int molgen_mpi_size(void);
/// Sums `count` values over all ranks, in place (MPI_Allreduce, MPI_IN_PLACE).
int molgen_mpi_allreduce_sum_float(float *values, size_t count);
int molgen_mpi_allreduce_sum_double(double *values, size_t count);
/// Copies `count` bytes from `root`'s buffer into every rank's.
int molgen_mpi_broadcast(void *bytes, size_t count, int root);
/// Waits for every rank, by polling (a rank waiting at a barrier leaves its core to the others).
int molgen_mpi_barrier(void);
/// Ends every process of the job with `code` (MPI_Abort); does not return.
void molgen_mpi_abort(int code);
/// Gathers each rank's `count` bytes at `root`: there `*gathered` receives a malloc'ed block of
/// every rank's bytes in rank order (the caller frees it) and `counts[r]` each rank's byte count
/// (counts holds molgen_mpi_size() entries); other ranks may pass NULL for both. Waits by polling
/// (a sleeping rank leaves its core to its worker threads).
int molgen_mpi_gather_bytes(const void *bytes, size_t count, int root, void **gathered, size_t *counts);

/// Cores this process may run on (its CPU affinity: mpirun binds ranks to cores or sockets), or 0
/// when unknown. Not MPI, but where a rank may run decides how many threads it should start.
int molgen_available_cores(void);
