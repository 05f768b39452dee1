// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Bare SMP self-test: start the PC's other CPUs so that they enter the image
// exactly like the CPUs of a cell (16-bit real mode, CS.base = image start,
// IP = 0). A SIPI can only start a CPU below 1 MiB, so it goes through a
// trampoline that loads a 16-bit code segment based at the image, enters
// `sim_cell_reset16` (header.S) and drops back to real mode there.
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/time.h>

extern "C" {
extern const char inmate_reset_trampoline[];
extern const char inmate_reset_trampoline_gdt[];
extern const char inmate_reset_trampoline_gdt_desc[];
extern const char inmate_reset_trampoline_end[];
}

namespace inmate {

namespace {
constexpr uintptr_t trampoline_address = 0x8000;  // free conventional memory after boot
constexpr uint32_t icr_all_but_self = 3u << 18;
}  // namespace

uint32_t bare_start_cpus_via_reset_entry() {
    if (env().in_cell || apic::mode() == apic::Mode::off)
        return cpus_started();
    size_t size = static_cast<size_t>(inmate_reset_trampoline_end - inmate_reset_trampoline);
    uint8_t* t = reinterpret_cast<uint8_t*>(trampoline_address);
    memcpy(t, inmate_reset_trampoline, size);

    // The 16-bit code descriptor's base: the image start.
    uint32_t base = static_cast<uint32_t>(image_header().load_address);
    uint8_t* code = t + (inmate_reset_trampoline_gdt - inmate_reset_trampoline) + 8;
    code[2] = static_cast<uint8_t>(base);
    code[3] = static_cast<uint8_t>(base >> 8);
    code[4] = static_cast<uint8_t>(base >> 16);
    code[7] = static_cast<uint8_t>(base >> 24);
    // The GDT pointer's base: where the GDT now is.
    uint32_t gdt = static_cast<uint32_t>(trampoline_address + (inmate_reset_trampoline_gdt - inmate_reset_trampoline));
    memcpy(t + (inmate_reset_trampoline_gdt_desc - inmate_reset_trampoline) + 2, &gdt, 4);
    x86::mfence();

    uint32_t vector = trampoline_address >> 12;
    apic::send_ipi(0, icr_all_but_self | apic::icr_init | apic::icr_level_assert);
    time::delay_ns(10000000);
    for (int i = 0; i < 2; ++i) {
        apic::send_ipi(0, icr_all_but_self | apic::icr_startup | vector);
        time::delay_ns(200000);
    }
    // No ACPI here, so no CPU count: wait until the count has been stable
    // for 100 ms (every AP runs the same short path).
    uint32_t seen = cpus_started();
    uint64_t stable_since = time::now();
    while (time::now() - stable_since < time::ns_to_tsc(100000000)) {
        uint32_t n = cpus_started();
        if (n != seen) {
            seen = n;
            stable_since = time::now();
        }
        x86::pause();
    }
    return seen;
}

}  // namespace inmate
