// OpenBLAS's CBLAS interface (Debian's libopenblas-dev, pthread flavour).
#include <x86_64-linux-gnu/openblas-pthread/cblas.h>
