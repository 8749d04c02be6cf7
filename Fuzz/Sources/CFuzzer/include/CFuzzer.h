// libFuzzer's entry for programs with their own main (https://llvm.org/docs/LibFuzzer.html):
// SwiftPM gives every executable a Swift entry point, so the targets call the driver themselves.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
