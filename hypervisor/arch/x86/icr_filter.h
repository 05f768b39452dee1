// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The IPI policy: which CPUs an ICR write of a cell may reach, in both APIC
// modes. Pure and host-testable: the caller describes the cell's CPUs (APIC
// id, logical destination, destination format) and gets back the cell CPUs
// to signal, one physical-destination IPI each, and what was refused.
//
// Policy:
//   - Delivery modes: Fixed and NMI go through; Lowest Priority becomes
//     Fixed to the first matching CPU of the cell. INIT, Start-up, SMI and
//     the reserved modes are refused whatever the destination: a physical
//     INIT or SIPI would take a CPU out of the hypervisor's control.
//   - Shorthands: self is the sender; all-including-self and
//     all-excluding-self mean the cell's CPUs (with/without the sender).
//   - Physical destination: the CPU of the cell with that APIC id; the
//     broadcast id (0xff xAPIC, 0xffffffff x2APIC) means all of the cell's
//     CPUs. Any other id is refused.
//   - Logical destination: matched against each cell CPU's logical id (the
//     LDR; xAPIC flat or cluster model per the DFR, x2APIC cluster). The
//     CPUs that match are signalled; destination bits that no CPU of the
//     cell answers to are refused (the IPI may still reach the cell's part).
//   - Nothing is ever sent in logical mode or with a shorthand: the real
//     LDRs of CPUs outside the cell are unknown to the hypervisor.
#pragma once

#include <stdint.h>

#include <bh/kconfig.h>

namespace bh::x86::apic {

enum class Mode : uint8_t { xapic, x2apic };

// ICR fields (the low 32 bits are the same in both modes).
inline constexpr uint32_t icr_vector = 0xff;
inline constexpr uint32_t icr_delivery_mode = 7u << 8;
inline constexpr uint32_t icr_dest_logical = 1u << 11;
inline constexpr uint32_t icr_busy = 1u << 12;
inline constexpr uint32_t icr_level_assert = 1u << 14;
inline constexpr uint32_t icr_trigger_level = 1u << 15;
inline constexpr uint32_t icr_shorthand = 3u << 18;

enum DeliveryMode : uint32_t {
    dm_fixed = 0, dm_lowest = 1, dm_smi = 2, dm_reserved3 = 3, dm_nmi = 4, dm_init = 5, dm_startup = 6, dm_extint = 7,
};
enum Shorthand : uint32_t { sh_none = 0, sh_self = 1, sh_all_including_self = 2, sh_all_excluding_self = 3 };

inline constexpr uint32_t delivery_mode_of(uint32_t low) { return (low & icr_delivery_mode) >> 8; }
inline constexpr uint32_t shorthand_of(uint32_t low) { return (low & icr_shorthand) >> 18; }
const char* delivery_mode_name(uint32_t mode);

// xAPIC DFR model (bits 31:28).
inline constexpr uint32_t dfr_flat = 0xf;
inline constexpr uint32_t dfr_cluster = 0x0;

// One CPU of the cell as the filter sees it.
struct CellCpu {
    uint32_t apic_id;
    uint32_t ldr;  // xAPIC: the LDR register (id in 31:24); x2APIC: the 32-bit logical id
    uint32_t dfr;  // xAPIC: the DFR register; unused in x2APIC mode
};

inline constexpr uint32_t max_cell_cpus = kconfig::max_cpus;

// A set of indices into the CellCpu array.
class TargetSet {
public:
    void add(uint32_t i) { words_[i / 64] |= 1ull << (i % 64); }
    void remove(uint32_t i) { words_[i / 64] &= ~(1ull << (i % 64)); }
    bool contains(uint32_t i) const { return (words_[i / 64] >> (i % 64)) & 1; }
    bool empty() const {
        for (uint64_t w : words_)
            if (w != 0)
                return false;
        return true;
    }
    uint32_t count() const {
        uint32_t n = 0;
        for (uint64_t w : words_)
            for (; w != 0; w &= w - 1)
                ++n;
        return n;
    }

private:
    uint64_t words_[(max_cell_cpus + 63) / 64]{};
};

enum class Refusal : uint8_t {
    none,
    delivery_mode,  // INIT, SIPI, SMI, reserved: never sent
    destination,    // (part of) the destination is not a CPU of the cell
};

struct IcrDecision {
    TargetSet targets;     // cell CPUs to send `send_low` to, physical destination
    uint32_t send_low{};   // vector, delivery mode, level, trigger; physical, no shorthand
    Refusal refusal{};     // what was dropped, Refusal::none if nothing
    uint32_t refused_destination{};  // physical id or the logical bits nobody in the cell answers to
};

// `icr`: x2APIC the 64-bit ICR; xAPIC (ICR high << 32) | ICR low. `self` is
// the sender's index in `cpus` (count <= max_cell_cpus).
IcrDecision filter_icr(Mode mode, uint64_t icr, const CellCpu* cpus, uint32_t count, uint32_t self);

// IOAPIC redirection entries. The IOAPIC delivers in hardware, so unlike an
// IPI (which the hypervisor re-sends to the cell's CPUs one by one) an entry
// is only allowed when its whole destination is CPUs of the cell.
inline constexpr uint64_t rte_masked = 1ull << 16;
inline constexpr uint64_t rte_remappable = 1ull << 48;  // Intel interrupt-remapping format

enum class RteVerdict : uint8_t {
    allowed,         // masked, or fixed/lowest/NMI to CPUs of the cell only
    remapped,        // remappable format: the IOMMU's table decides (not filtered)
    delivery_mode,   // SMI, INIT, ExtINT, reserved
    destination,     // broadcast, or a CPU outside the cell
};

// `rte`: the full 64-bit entry; `cpus`: the cell's CPUs (count >= 1).
RteVerdict check_redirection_entry(Mode mode, uint64_t rte, const CellCpu* cpus, uint32_t count);
const char* rte_verdict_name(RteVerdict verdict);

// An MSI message a device given to a cell may hold while MSI is enabled:
// compatibility format (never the remappable one: the IOMMU is not the
// hypervisor's), physical destination mode to one CPU of the cell, fixed
// or lowest-priority delivery (the hypervisor's NMIs are its own), edge
// triggered, a vector an OS may use (>= 32). Returns nullptr when allowed,
// else the reason.
const char* check_msi_message(Mode mode, uint64_t address, uint32_t data, const CellCpu* cpus, uint32_t count);

// The root cell's devices: the same, except that the remappable format is
// the IOMMU's business (the root owns it) and a logical destination is
// allowed when every CPU it names is the root's (Linux's flat and cluster
// modes), as for an IPI.
const char* check_root_msi_message(Mode mode, uint64_t address, uint32_t data, const CellCpu* cpus, uint32_t count);

// The x2APIC logical id of an x2APIC id (architectural: cluster in 31:16,
// one bit of 16 in 15:0).
inline constexpr uint32_t x2apic_logical_id(uint32_t apic_id) {
    return ((apic_id >> 4) << 16) | (1u << (apic_id & 0xf));
}

}  // namespace bh::x86::apic
