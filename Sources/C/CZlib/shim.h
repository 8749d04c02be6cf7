// zlib, for reading and writing gzipped SMILES files.
#include <zlib.h>
