// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Force-included in every hypervisor translation unit. The image is linked
// position-independent and must contain no dynamic relocations (the build
// checks): hidden visibility makes every reference PC-relative.
#pragma GCC visibility push(hidden)

// Calls the compiler emits itself (struct copies, __builtin_memset) bind to
// these hidden definitions (hypervisor/lib/string.cpp), not through a GOT.
#ifdef __cplusplus
extern "C" {
#endif
void* memcpy(void* dst, const void* src, __SIZE_TYPE__ n);
void* memmove(void* dst, const void* src, __SIZE_TYPE__ n);
void* memset(void* dst, int value, __SIZE_TYPE__ n);
int memcmp(const void* a, const void* b, __SIZE_TYPE__ n);
#ifdef __cplusplus
}
#endif
