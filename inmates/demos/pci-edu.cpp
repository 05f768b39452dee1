// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// pci-edu: drives a PCI device given to the cell, QEMU's "edu" card
// (vendor 0x1234, device 0x11e8), as an OS would: through the PCI
// configuration ports 0xCF8/0xCFC, which the hypervisor filters, and through
// the device's memory BAR, which the cell's config maps.
//
//   1. scans bus 0 and lists every function it can see (in a cell: only its
//      own devices; bare: all of the PC's),
//   2. sizes BAR0 the standard way (write all ones, read the mask, restore),
//   3. enables memory decoding; checks the card's identification and
//      liveness registers and computes 10! on it,
//   4. programs the device's MSI to its own CPU (vector 0x50) and takes
//      interrupts raised by the card, both on request and when a factorial
//      is done.
// It prints "pci-edu: done" and exits 0 when all of it worked, else a reason
// and exits 1.
//
// attack=NAME then performs one config write the hypervisor must refuse (the
// cell fails with the reason; "pci-edu: attack NAME was NOT stopped" and
// exit 1 otherwise):
//   bar-move       move BAR0 to 0xc0000000 (over the root's MMIO window)
//   msi-foreign    enable MSI with a message to APIC id dest=D (default 0)
//   foreign-write  write the command register of 00:00.0 (the root's host
//                  bridge)
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/pci.h>
#include <inmate/time.h>

using namespace inmate;

namespace {

constexpr uint16_t edu_vendor = 0x1234;
constexpr uint16_t edu_device = 0x11e8;
constexpr uint8_t msi_vector = 0x50;

// edu's registers in BAR0 (QEMU docs/specs/edu.rst).
constexpr uint32_t edu_id = 0x00;
constexpr uint32_t edu_liveness = 0x04;
constexpr uint32_t edu_factorial = 0x08;
constexpr uint32_t edu_status = 0x20;
constexpr uint32_t edu_irq_status = 0x24;
constexpr uint32_t edu_irq_raise = 0x60;
constexpr uint32_t edu_irq_ack = 0x64;
constexpr uint32_t edu_status_computing = 0x01;
constexpr uint32_t edu_status_irq_on_done = 0x80;

// Every function of bus 0 that answers; returns how many, and the edu's.
unsigned scan_bus0(uint16_t& edu) {
    unsigned found = 0;
    edu = pci::none;
    for (uint16_t dev = 0; dev < 32; ++dev) {
        for (uint16_t fn = 0; fn < 8; ++fn) {
            auto bdf = static_cast<uint16_t>(dev << 3 | fn);
            uint32_t id = pci::read32(bdf, 0);
            if ((id & 0xffff) == 0xffff) {
                if (fn == 0)
                    break;  // no device: no other functions either
                continue;
            }
            ++found;
            uint32_t class_rev = pci::read32(bdf, 8);
            print("pci-edu: found {} {}:{} class {}\n", pci::bdf_text(bdf), hex_pad(id & 0xffff, 4),
                  hex_pad(id >> 16, 4), hex_pad(class_rev >> 8, 6));
            if ((id & 0xffff) == edu_vendor && (id >> 16) == edu_device)
                edu = bdf;
        }
    }
    return found;
}

uintptr_t bar0 = 0;
uint32_t reg_read(uint32_t reg) { return x86::mmio_read32(bar0 + reg); }
void reg_write(uint32_t reg, uint32_t value) { x86::mmio_write32(bar0 + reg, value); }

volatile uint32_t interrupts = 0;
volatile uint32_t last_irq_status = 0;

void on_msi(Frame&) {
    uint32_t status = reg_read(edu_irq_status);
    last_irq_status = status;
    reg_write(edu_irq_ack, status);
    interrupts = interrupts + 1;
}

bool wait_for_interrupts(uint32_t count) {
    uint64_t deadline = time::now() + time::ns_to_tsc(2000000000ull);
    while (interrupts < count) {
        if (time::now() > deadline)
            return false;
        x86::pause();
    }
    return true;
}

int fail(const char* why) {
    print("pci-edu: FAILED: {}\n", why);
    return 1;
}

int attack(bh::Str name, uint16_t edu, uint8_t msi) {
    print("pci-edu: attack {}\n", name);
    if (str_equal(name, "bar-move"))
        pci::write32(edu, 0x10, 0xc0000000);
    else if (str_equal(name, "msi-foreign"))
        pci::enable_msi(edu, msi, static_cast<uint32_t>(arg_u64("dest", 0)), msi_vector);
    else if (str_equal(name, "foreign-write"))
        pci::write16(0x0000, 0x04, 0x0007);
    else
        return fail("unknown attack");
    print("pci-edu: attack {} was NOT stopped\n", name);
    return 1;
}

}  // namespace

int inmate_main() {
    uint16_t edu = pci::none;
    unsigned visible = scan_bus0(edu);
    print("pci-edu: {} function{} visible on bus 0\n", visible, visible == 1 ? "" : "s");
    if (edu == pci::none)
        return fail("no edu device (1234:11e8) visible");

    // Size BAR0 as an OS does.
    uint32_t original = pci::read32(edu, 0x10);
    uint64_t address = 0, size = 0;
    if (!pci::memory_bar(edu, 0, address, size))
        return fail("BAR0 is not a memory BAR");
    print("pci-edu: {} BAR0 {} size {} KiB\n", pci::bdf_text(edu), hex_pad(address, 8), size / 1024);
    if (pci::read32(edu, 0x10) != original)
        return fail("BAR0 not restored after sizing");
    bar0 = address;

    uint8_t msi = pci::find_capability(edu, pci::cap_msi);
    if (bh::Str name; arg_value("attack", name))
        return attack(name, edu, msi);

    // Memory decoding and bus mastering on: an MSI is a memory write the
    // device makes (no DMA otherwise here).
    pci::write16(edu, 0x04, 0x0006);
    uint32_t id = reg_read(edu_id);
    print("pci-edu: identification {}\n", hex_pad(id, 8));
    if ((id & 0xff) != 0xed)
        return fail("identification register is not edu's");
    reg_write(edu_liveness, 0x12345678);
    if (reg_read(edu_liveness) != ~0x12345678u)
        return fail("liveness register did not invert");
    reg_write(edu_factorial, 10);
    while (reg_read(edu_status) & edu_status_computing)
        x86::pause();
    uint32_t factorial = reg_read(edu_factorial);
    print("pci-edu: the card computed 10! = {}\n", factorial);
    if (factorial != 3628800)
        return fail("wrong factorial");

    if (msi == 0)
        return fail("no MSI capability");
    irq_set_handler(msi_vector, on_msi);
    pci::enable_msi(edu, msi, apic::id(), msi_vector);
    irq_enable();
    reg_write(edu_irq_raise, 0x42);
    if (!wait_for_interrupts(1))
        return fail("no MSI after raising an interrupt");
    print("pci-edu: MSI vector {} to APIC id {}: interrupt status {}\n", hex_pad(msi_vector, 2), apic::id(),
          hex_pad(last_irq_status, 2));
    reg_write(edu_status, edu_status_irq_on_done);
    reg_write(edu_factorial, 5);
    if (!wait_for_interrupts(2))
        return fail("no MSI after a factorial");
    print("pci-edu: MSI when 5! was done: {} (interrupt status {})\n", reg_read(edu_factorial),
          hex_pad(last_irq_status, 2));
    irq_disable();
    print("pci-edu: done\n");
    return 0;
}
