// SPDX-License-Identifier: GPL-2.0
//
// Glue between the driver's C and the shared C++ config validator. Built with
// kernel code-generation flags (see Kbuild); uses no C++ runtime.
#include "validator.h"

#include <config_validator.h>

namespace {

void copy_message(const bh::config::Diagnostic& diag, char* message, unsigned long message_size) {
    if (message == nullptr || message_size == 0)
        return;
    const char* text = diag.message();
    unsigned long i = 0;
    for (; i + 1 < message_size && text[i] != '\0'; ++i)
        message[i] = text[i];
    message[i] = '\0';
}

template <typename Check>
int run_check(Check check, char* message, unsigned long message_size) {
    bh::config::Diagnostic diag;
    bh::Result<void> result = check(diag);
    if (result.ok())
        return 0;
    copy_message(diag, message, message_size);
    return bh::to_errno(result.error());
}

}  // namespace

extern "C" int bh_validate_system_config(const void* data, unsigned long size, unsigned int max_cpus,
                                         char* message, unsigned long message_size) {
    return run_check(
        [&](bh::config::Diagnostic& diag) -> bh::Result<void> {
            auto system = BH_TRY(bh::config::parse_system(data, size, diag));
            return bh::config::validate_system(system, bh::config::Limits{max_cpus}, diag);
        },
        message, message_size);
}

extern "C" int bh_validate_cell_config(const void* data, unsigned long size, unsigned int max_cpus,
                                       char* message, unsigned long message_size) {
    return run_check(
        [&](bh::config::Diagnostic& diag) -> bh::Result<void> {
            auto cell = BH_TRY(bh::config::parse_cell(data, size, diag));
            return bh::config::validate_cell(cell, false, bh::config::Limits{max_cpus}, diag);
        },
        message, message_size);
}
