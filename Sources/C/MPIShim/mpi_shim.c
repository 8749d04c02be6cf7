#define _GNU_SOURCE
#include "MPIShim.h"
#include <limits.h>
#include <sched.h>
#include <mpi.h>
#include <stdlib.h>
#include <time.h>

// MPI counts are ints: large buffers go in pieces of at most 2^30 elements.
static const size_t piece = (size_t)1 << 30;

int molgen_mpi_init(void) {
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

int molgen_mpi_finalize(void) { return MPI_Finalize(); }

int molgen_mpi_rank(void) {
    int rank = 0;
    return MPI_Comm_rank(MPI_COMM_WORLD, &rank) == MPI_SUCCESS ? rank : 0;
}

int molgen_mpi_size(void) {
    int size = 0;
    return MPI_Comm_size(MPI_COMM_WORLD, &size) == MPI_SUCCESS ? size : 0;
}

int molgen_mpi_allreduce_sum_float(float *values, size_t count) {
    for (size_t start = 0; start < count; start += piece) {
        size_t n = count - start < piece ? count - start : piece;
        int status = MPI_Allreduce(MPI_IN_PLACE, values + start, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (status != MPI_SUCCESS) return status;
    }
    return MPI_SUCCESS;
}

int molgen_mpi_allreduce_sum_double(double *values, size_t count) {
    for (size_t start = 0; start < count; start += piece) {
        size_t n = count - start < piece ? count - start : piece;
        int status = MPI_Allreduce(MPI_IN_PLACE, values + start, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (status != MPI_SUCCESS) return status;
    }
    return MPI_SUCCESS;
}

int molgen_mpi_broadcast(void *bytes, size_t count, int root) {
    for (size_t start = 0; start < count; start += piece) {
        size_t n = count - start < piece ? count - start : piece;
        int status = MPI_Bcast((char *)bytes + start, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
        if (status != MPI_SUCCESS) return status;
    }
    return MPI_SUCCESS;
}


void molgen_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

// Waits for a request by polling every millisecond instead of MPI's busy wait: a rank that gathers
// from its main thread while its worker threads do the work (conversion) must not take a core.
static int wait_gently(MPI_Request *request) {
    const struct timespec pause = {0, 1000000};
    for (;;) {
        int done = 0;
        int status = MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (status != MPI_SUCCESS || done) return status;
        nanosleep(&pause, NULL);
    }
}

int molgen_mpi_barrier(void) {
    MPI_Request request;
    int status = MPI_Ibarrier(MPI_COMM_WORLD, &request);
    return status == MPI_SUCCESS ? wait_gently(&request) : status;
}

int molgen_mpi_gather_bytes(const void *bytes, size_t count, int root, void **gathered, size_t *counts) {
    if (count > INT_MAX) return MPI_ERR_COUNT;
    int size = molgen_mpi_size(), rank = molgen_mpi_rank();
    int mine = (int)count;
    int *sizes = NULL, *offsets = NULL;
    char *all = NULL;
    if (rank == root) {
        sizes = calloc((size_t)size, sizeof(int));
        offsets = calloc((size_t)size, sizeof(int));
        if (!sizes || !offsets) { free(sizes); free(offsets); return MPI_ERR_NO_MEM; }
    }
    MPI_Request request;
    int status = MPI_Igather(&mine, 1, MPI_INT, sizes, 1, MPI_INT, root, MPI_COMM_WORLD, &request);
    if (status == MPI_SUCCESS) status = wait_gently(&request);
    if (status == MPI_SUCCESS && rank == root) {
        long long total = 0;
        for (int r = 0; r < size; r++) { offsets[r] = (int)total; total += sizes[r]; counts[r] = (size_t)sizes[r]; }
        if (total > INT_MAX) status = MPI_ERR_COUNT;
        else if (!(all = malloc(total > 0 ? (size_t)total : 1))) status = MPI_ERR_NO_MEM;
    }
    // Every rank must enter the Gatherv even when the root failed above, or the others would hang;
    // the root then reports its error.
    int rootStatus = status;
    MPI_Bcast(&rootStatus, 1, MPI_INT, root, MPI_COMM_WORLD);
    if (rootStatus != MPI_SUCCESS) { free(sizes); free(offsets); free(all); return rootStatus; }
    status = MPI_Igatherv(bytes, mine, MPI_BYTE, all, sizes, offsets, MPI_BYTE, root, MPI_COMM_WORLD, &request);
    if (status == MPI_SUCCESS) status = wait_gently(&request);
    free(sizes); free(offsets);
    if (rank == root) {
        if (status == MPI_SUCCESS) *gathered = all; else free(all);
    }
    return status;
}

int molgen_available_cores(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
}
