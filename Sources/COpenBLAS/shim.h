#include <cblas.h>

/* LAPACK, shipped inside OpenBLAS under its Fortran names: the Cholesky
   factorization of a symmetric positive definite matrix, and its inverse from
   that factorization. Matrices are column-major; a symmetric one reads the
   same either way. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
