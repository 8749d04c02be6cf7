// libhdf5 (serial). Constants that are macros calling functions are re-exported as inline functions.
#include <hdf5/serial/hdf5.h>
