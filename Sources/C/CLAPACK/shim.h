// The LAPACK routines MolGen calls, from OpenBLAS's bundled LAPACK (Debian ships no lapacke.h
// with openblas-pthread, so the Fortran symbols are declared here; every argument is a pointer).

/// Eigenvalues (ascending) and, with jobz = 'V', orthonormal eigenvectors of a symmetric matrix
/// (divide and conquer). `a` is column-major n×n and is overwritten by the eigenvectors.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);
