// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// PCI configuration space per cell (pci_config.h): the 0xCF8 mechanism, who
// owns which device, and the policy of pci.h applied to cells' accesses.
#include "pci_config.h"

#include <bh/spinlock.h>

#include "arch.h"
#include "cell.h"
#include "channel_device.h"
#include "console.h"
#include "hypervisor.h"
#include "pci.h"

namespace bh {

namespace {

// The hardware latch at 0xCF8 and the table below: every config access of
// every CPU, and every change of ownership, holds it.
constinit SpinLock pci_lock;

struct Assignment {
    const Cell* owner{};  // nullptr: free slot
    pci::Device device{};
};
constinit Assignment assignments[BH_ABI_MAX_PCI_DEVICES];

// One device's config space through 0xCF8/0xCFC; pci_lock held.
struct PortIo {
    uint16_t bdf;
    uint32_t read(uint16_t offset, uint8_t size) const {
        arch_port_write(pci::address_port, 4, pci::config_address(bdf, offset));
        return arch_port_read(static_cast<uint16_t>(pci::data_port + (offset & 3)), size);
    }
    void write(uint16_t offset, uint8_t size, uint32_t value) const {
        arch_port_write(pci::address_port, 4, pci::config_address(bdf, offset));
        arch_port_write(static_cast<uint16_t>(pci::data_port + (offset & 3)), size, value);
    }
};

Assignment* assignment_of(uint16_t bdf) {
    for (Assignment& a : assignments)
        if (a.owner != nullptr && a.device.bdf == bdf)
            return &a;
    return nullptr;
}

constexpr uint32_t all_ones(uint8_t size) { return size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu; }

// What the channel device needs of the hypervisor (channel_device.h).
struct ChannelHooks {
    PerCpu& cpu;
    uint32_t channel_index;
    uint32_t channel_id;
    void ring() { (void)channel_notify(cpu, channel_id); }
    const char* check_msi(uint64_t address, uint32_t data) { return arch_check_msi(cpu, address, data); }
    void set_doorbell(uint8_t vector, uint32_t apic_id) { channel_set_doorbell(cpu, channel_index, vector, apic_id); }
};

// An access of `cpu`'s cell to the device of its channel `index`.
void channel_device_access(PerCpu& cpu, uint32_t index, uint16_t offset, bool in, uint8_t size, uint32_t& value,
                           PciPortOutcome& outcome) {
    Cell& cell = *cpu.cell;
    const bh_channel& c = cell.view.channels()[index];
    channel_device::Channel channel{c.id, c.slot_size, cell.id, c.guest_start, c.size};
    if (in) {
        uint32_t peer_state = static_cast<uint32_t>(channel_peer_state(cpu, c.id));
        value = channel_device::read(channel, cell.channel_device[index], offset, size, peer_state,
                                     channel_peer_id(cpu, c.id));
        return;
    }
    ChannelHooks hooks{cpu, index, c.id};
    outcome.refusal = channel_device::write(channel, cell.channel_device[index], offset, size, value, hooks);
}

}  // namespace

PciPortOutcome pci_port_access(PerCpu& cpu, uint16_t port, bool in, uint8_t size, uint32_t& value) {
    bool root = cpu.cell == nullptr;
    PciPortOutcome outcome;
    if (port < pci::data_port) {
        if (port == pci::address_port && size == 4) {
            if (in)
                value = cpu.pci_address;
            else
                cpu.pci_address = value;
            return outcome;
        }
        // 0xCF9 (reset control) and friends: the root's, as on hardware.
        // A cell has no business there.
        LockGuard guard(pci_lock);
        if (root && in)
            value = arch_port_read(port, size);
        else if (root)
            arch_port_write(port, size, value);
        else if (in)
            value = all_ones(size);
        else
            outcome.refusal = "a write to the PCI address ports other than a 32-bit address";
        return outcome;
    }

    pci::ConfigAddress address = pci::decode_address(cpu.pci_address, port);
    outcome.bdf = address.bdf;
    outcome.offset = address.offset;
    LockGuard guard(pci_lock);
    Assignment* owned = address.enabled ? assignment_of(address.bdf) : nullptr;
    if (root) {
        if (owned == nullptr) {
            // The root's own device (or a disabled latch): the hardware's
            // answer, with the root's latch. Its MSI may only reach the
            // root's CPUs.
            if (!in && address.enabled && address.offset >= 0x40) {
                PortIo io{address.bdf};
                if ((address.offset & (size - 1)) != 0 || address.extended)
                    outcome.root_refusal = "a misaligned or extended config write";
                else
                    outcome.root_refusal = pci::check_msi_write(
                        io, pci::find_capability(io, pci::cap_msi), address.offset, size, value,
                        [&](uint64_t msi_address, uint32_t msi_data) {
                            return arch_check_msi(cpu, msi_address, msi_data);
                        });
                if (outcome.root_refusal != nullptr)
                    return outcome;
            }
            arch_port_write(pci::address_port, 4, cpu.pci_address);
            if (in)
                value = arch_port_read(port, size);
            else
                arch_port_write(port, size, value);
            return outcome;
        }
        if (in)
            value = all_ones(size);
        outcome.hidden = true;
        return outcome;
    }

    if (int channel = channel_device::channel_of(address.bdf, static_cast<uint32_t>(cpu.cell->view.channels().size()));
        address.enabled && !address.extended && channel >= 0 && (address.offset & (size - 1)) == 0) {
        channel_device_access(cpu, static_cast<uint32_t>(channel), address.offset, in, size, value, outcome);
        return outcome;
    }
    bool own = owned != nullptr && owned->owner == cpu.cell;
    PortIo io{address.bdf};
    if (in) {
        value = own && !address.extended && (address.offset & (size - 1)) == 0
                    ? pci::read(io, owned->device, address.offset, size)
                    : all_ones(size);
        return outcome;
    }
    if (!own) {
        outcome.refusal = address.enabled ? "a config write to a PCI device that is not the cell's"
                                          : "a config write with the PCI address latch disabled";
        return outcome;
    }
    if (address.extended || (address.offset & (size - 1)) != 0) {
        outcome.refusal = "a misaligned or extended config write";
        return outcome;
    }
    pci::WriteOutcome written = pci::write(io, owned->device, address.offset, size, value,
                                           [&](uint64_t msi_address, uint32_t msi_data) {
                                               return arch_check_msi(cpu, msi_address, msi_data);
                                           });
    outcome.refusal = written.refusal;
    return outcome;
}

Result<void> pci_check_devices(const config::CellView& cell) {
    LockGuard guard(pci_lock);
    size_t free_slots = 0;
    for (const Assignment& a : assignments)
        free_slots += a.owner == nullptr;
    if (cell.pci_devices().size() > free_slots) {
        console::print("cell create refused: \"{}\": more PCI devices than the hypervisor tracks ({})",
                       cell.name(), BH_ABI_MAX_PCI_DEVICES);
        return Errc::nospc;
    }
    for (const bh_pci_device& d : cell.pci_devices()) {
        PortIo io{d.bdf};
        auto probed = pci::probe(io, d.bdf);
        if (!probed.ok()) {
            console::print("cell create refused: \"{}\": PCI device {} {}", cell.name(), pci::BdfText(d.bdf).text,
                           probed.error() == Errc::nodev ? "does not exist"
                                                         : "is a bridge or has a malformed capability list");
            return probed.error();
        }
    }
    return success();
}

void pci_take_devices(Cell& cell) {
    for (const bh_pci_device& d : cell.view.pci_devices()) {
        {
            LockGuard guard(pci_lock);
            PortIo io{d.bdf};
            auto probed = pci::probe(io, d.bdf);  // checked at create: cannot fail now
            for (Assignment& a : assignments) {
                if (a.owner == nullptr) {
                    a.owner = &cell;
                    a.device = probed.ok() ? *probed : pci::Device{d.bdf};
                    pci::quiesce(io, a.device);
                    break;
                }
            }
        }
        arch_root_hide_config(d.bdf, true);
    }
}

void pci_return_devices(Cell& cell) {
    for (const bh_pci_device& d : cell.view.pci_devices()) {
        {
            LockGuard guard(pci_lock);
            if (Assignment* a = assignment_of(d.bdf); a != nullptr && a->owner == &cell) {
                PortIo io{d.bdf};
                pci::quiesce(io, a->device);
                *a = Assignment{};
            }
        }
        arch_root_hide_config(d.bdf, false);
    }
}

void pci_quiesce_devices(const Cell& cell) {
    LockGuard guard(pci_lock);
    for (Assignment& a : assignments) {
        if (a.owner == &cell) {
            PortIo io{a.device.bdf};
            pci::quiesce(io, a.device);
        }
    }
}

bool pci_hidden_from_root(uint16_t bdf) {
    LockGuard guard(pci_lock);
    return assignment_of(bdf) != nullptr;
}

}  // namespace bh
