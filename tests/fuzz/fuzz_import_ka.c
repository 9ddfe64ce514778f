/* libFuzzer entry point for the keepalived.conf importer (line
 * preprocessing, keepalived's keywords over the native parser, validation)
 * with `include` refused, so that no input touches the disk. Oracle: see
 * import_oracle.h (an accepted input converts to a native file that loads).
 *
 * fuzz-seeds: tests/fixtures/compat
 */
#include "import_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imp_text ka = {"fuzz/keepalived.conf", (const char *)data, size};

    fuzz_import(&ka, NULL);
    return 0;
}
