// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// isolation-probe: performs ONE action a cell must not be able to do, named
// by the first boot argument, after printing "probe: about to <action>". In
// a bulkhead cell the hypervisor must stop it (or, where the policy says so,
// make the access fail with an exception); if the action completes, the probe
// prints "probe: <action> was NOT stopped" and exits with code 1, so the
// cell ends FAILED. Bare, most actions simply work: that only tests the probe.
//
//   write-outside    write (and read back) guest-physical addr=A (default
//                    0x3000000: outside the demo cell's RAM 0..16 MiB and
//                    comm page at 16 MiB)
//   read-hypervisor  read guest-physical addr=A (default 0x3b000000, the start
//                    of the QEMU PC's hypervisor memory; not in the cell's
//                    NPT)
//   pio              OUTB to port=P (default 0x3f8, COM1: the demo cell has no
//                    I/O ports at all)
//   msr              WRMSR VM_HSAVE_PA (0xc0010117) = 0x3000000: the MSR that
//                    points SVM's host-save area; the hypervisor intercepts it
//                    and answers a write with #GP (reported by the probe's
//                    exception handler), a cell must never move it
//   ipi              INIT IPI to APIC id dest=D (default 0: a root CPU)
//   triple-fault     load an empty IDT and execute UD2: #UD -> #GP -> #DF ->
//                    shutdown (the hypervisor must stop the cell, not the PC)
//   page-fault       read 0x100000000 (above the identity map): the library's
//                    exception report (vector, error code, RIP, CR2)
#include <inmate/apic.h>
#include <inmate/inmate.h>

using namespace inmate;

namespace {

struct Action {
    const char* name;
    const char* what;
    void (*run)();
};

void write_outside() {
    uint64_t addr = arg_u64("addr", 0x3000000);
    volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(addr);
    *p = 0x5a5a5a5a12345678ull;
    print("probe: wrote {} to {}, read back {}\n", bh::hex(0x5a5a5a5a12345678ull), bh::hex(addr), bh::hex(*p));
}

void read_hypervisor() {
    uint64_t addr = arg_u64("addr", 0x3b000000);
    uint64_t v = *reinterpret_cast<volatile uint64_t*>(addr);
    print("probe: read {} from {}\n", bh::hex(v), bh::hex(addr));
}

void pio() {
    uint16_t port = static_cast<uint16_t>(arg_u64("port", 0x3f8));
    x86::outb(port, '!');
    print("\nprobe: OUTB '!' to port {} completed\n", bh::hex(port));
}

void msr() {
    x86::wrmsr(x86::msr_vm_hsave_pa, 0x3000000);
    print("probe: WRMSR VM_HSAVE_PA = 0x3000000 completed\n");
}

void ipi() {
    uint32_t dest = static_cast<uint32_t>(arg_u64("dest", 0));
    apic::send_ipi(dest, apic::icr_init | apic::icr_level_assert);
    print("probe: INIT IPI to APIC id {} sent ({})\n", dest, apic::mode_name());
}

void triple_fault() {
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } empty{0, 0};
    asm volatile("lidt %0; ud2" ::"m"(empty));
}

void page_fault() {
    uint64_t v = *reinterpret_cast<volatile uint64_t*>(0x100000000ull);
    print("probe: read {} at 0x100000000\n", bh::hex(v));
}

const Action actions[] = {
    {"write-outside", "write guest-physical memory outside the cell", write_outside},
    {"read-hypervisor", "read hypervisor memory", read_hypervisor},
    {"pio", "write an I/O port the cell was not given", pio},
    {"msr", "write the SVM host-save MSR", msr},
    {"ipi", "send an INIT IPI to a CPU outside the cell", ipi},
    {"triple-fault", "triple-fault", triple_fault},
    {"page-fault", "touch unmapped memory (exception report)", page_fault},
};

}  // namespace

int inmate_main() {
    bh::Str name = arg_word(0);
    for (const Action& a : actions) {
        if (!str_equal(name, a.name))
            continue;
        print("probe: {}: {} ({})\n", a.name, a.what, env().in_cell ? "in a cell: must be stopped" : "bare: may work");
        print("probe: about to {}\n", a.name);
        a.run();
        print("probe: {} was NOT stopped\n", a.name);
        return 1;
    }
    print("probe: usage: the first boot argument names the action:");
    for (const Action& a : actions)
        print(" {}", a.name);
    print("\n");
    return 2;
}
