/* libFuzzer entry point for the haproxy.cfg importer (line splitting,
 * sections, server options, checks, validation); ${VAR} from a fixed
 * environment. Oracle: see import_oracle.h (an accepted input converts to a
 * native file that loads).
 *
 * fuzz-seeds: tests/fixtures/compat
 */
#include "import_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imp_text hap = {"fuzz/haproxy.cfg", (const char *)data, size};

    fuzz_import(NULL, &hap);
    return 0;
}
