/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C entry points into bulkhead's config validator (hypervisor/core), which
 * is compiled into this module as freestanding C++ by driver/Kbuild.
 */
#ifndef BULKHEAD_DRIVER_VALIDATOR_H
#define BULKHEAD_DRIVER_VALIDATOR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Check a system config (with its root cell). Returns 0 or a negative errno;
 * on failure the reason is written to message (NUL terminated).
 */
int bh_validate_system_config(const void *data, unsigned long size, unsigned int max_cpus,
			      char *message, unsigned long message_size);

/* Check a cell config on its own (rules that need no system config). */
int bh_validate_cell_config(const void *data, unsigned long size, unsigned int max_cpus,
			    char *message, unsigned long message_size);

#ifdef __cplusplus
}
#endif

#endif /* BULKHEAD_DRIVER_VALIDATOR_H */
