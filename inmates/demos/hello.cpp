// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// hello: the smallest useful inmate. Greets with where it runs (cell id or
// bare), its CPUs and its boot arguments, then prints a heartbeat every
// second, sleeping on the LAPIC timer in between.
//
// Arguments: beats=N (default 0: forever); bare only: smp-selftest (start
// the PC's other CPUs through the cell reset entry and list them).
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/time.h>

using namespace inmate;

int inmate_main() {
    const Environment& e = env();
    if (e.in_cell)
        print("hello: Hello from bulkhead cell {}, {} CPU{} ({} started)\n", e.cell_id, e.num_cpus,
              e.num_cpus == 1 ? "" : "s", cpus_started());
    else
        print("hello: Hello from bare metal, 1 CPU (the boot CPU; no others are started bare)\n");
    print("hello: boot arguments \"{}\"\n", e.args);
    if (!e.in_cell && arg_flag("smp-selftest")) {
        uint32_t n = bare_start_cpus_via_reset_entry();
        print("hello: smp-selftest: {} CPUs started through the 16-bit cell entry path\n", n);
    }
    for (uint32_t i = 0; i < cpus_started(); ++i)
        print("hello: CPU {}: APIC id {}{}\n", i, cpu_apic_id(i), i == 0 ? " (boot CPU, running)" : " (parked)");

    uint64_t beats = arg_u64("beats", 0);
    if (beats == 0)
        print("hello: a heartbeat every second, forever\n");
    else
        print("hello: {} heartbeats, one every second\n", beats);

    uint64_t second = time::ns_to_tsc(1000000000);
    uint64_t start = time::now();
    for (uint64_t n = 1; beats == 0 || n <= beats; ++n) {
        time::sleep_until(start + n * second);
        uint64_t ns = time::tsc_to_ns(time::now() - start);
        if (beats == 0)
            print("hello: heartbeat {} at {} s\n", n, frac(ns, 1000000000, 3));
        else
            print("hello: heartbeat {}/{} at {} s\n", n, beats, frac(ns, 1000000000, 3));
    }
    print("hello: done\n");
    return 0;
}
