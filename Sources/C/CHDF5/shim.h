// libhdf5 (serial). Constants that are macros calling functions are re-exported as inline functions.
//
// Why: the HDF5 headers define type, property-list and flag constants as macros that expand to
// `(H5OPEN H5T_NATIVE_FLOAT_g)` and the like. Swift imports only simple literal macros, so each
// constant the Storage module needs is wrapped here in a `static inline` function of the same name
// in lower camel case, prefixed with `chdf5_`.
#include <hdf5/serial/hdf5.h>

// MARK: - Memory (native) datatypes

static inline hid_t chdf5_nativeFloat(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_nativeDouble(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_nativeInt32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_nativeInt64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_nativeUInt8(void) { return H5T_NATIVE_UINT8; }

// MARK: - File (standard, little-endian) datatypes

static inline hid_t chdf5_ieeeF32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_ieeeF64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_stdI32LE(void) { return H5T_STD_I32LE; }
static inline hid_t chdf5_stdI64LE(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_stdU8LE(void) { return H5T_STD_U8LE; }
static inline hid_t chdf5_cS1(void) { return H5T_C_S1; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }

// MARK: - Property list classes and defaults

static inline hid_t chdf5_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_fileCreate(void) { return H5P_FILE_CREATE; }
static inline hid_t chdf5_fileAccess(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_datasetCreate(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_datasetAccess(void) { return H5P_DATASET_ACCESS; }
static inline hid_t chdf5_datasetXfer(void) { return H5P_DATASET_XFER; }
static inline hid_t chdf5_groupCreate(void) { return H5P_GROUP_CREATE; }
static inline hid_t chdf5_linkCreate(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_attributeCreate(void) { return H5P_ATTRIBUTE_CREATE; }

// MARK: - File access flags

static inline unsigned chdf5_accTrunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_accExcl(void) { return H5F_ACC_EXCL; }
static inline unsigned chdf5_accRdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_accRdwr(void) { return H5F_ACC_RDWR; }

// MARK: - Dataspaces, errors, filters

static inline hid_t chdf5_all(void) { return H5S_ALL; }
static inline hsize_t chdf5_unlimited(void) { return H5S_UNLIMITED; }
static inline hid_t chdf5_errorDefault(void) { return H5E_DEFAULT; }
static inline int chdf5_filterDeflate(void) { return H5Z_FILTER_DEFLATE; }
static inline int chdf5_filterShuffle(void) { return H5Z_FILTER_SHUFFLE; }
static inline unsigned chdf5_objAllLocal(void) { return H5F_OBJ_ALL | H5F_OBJ_LOCAL; }

// MARK: - Error stack

/// Turns off HDF5's automatic printing of its error stack to stderr for the default stack.
/// Why: users should see one line from MolGen, not a page of HDF5 internals.
static inline herr_t chdf5_silenceErrors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
