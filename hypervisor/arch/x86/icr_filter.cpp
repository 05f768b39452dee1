// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "icr_filter.h"

namespace bh::x86::apic {

const char* delivery_mode_name(uint32_t mode) {
    switch (mode) {
    case dm_fixed: return "fixed";
    case dm_lowest: return "lowest-priority";
    case dm_smi: return "SMI";
    case dm_nmi: return "NMI";
    case dm_init: return "INIT";
    case dm_startup: return "SIPI";
    case dm_extint: return "ExtINT";
    default: return "reserved";
    }
}

namespace {

// The logical bits of `dest` that cell CPU `c` answers to (0: not addressed),
// and which destination bits those are, in the destination's own layout.
uint32_t xapic_logical_match(const CellCpu& c, uint32_t dfr_model, uint32_t dest) {
    uint32_t id = c.ldr >> 24;
    if (dfr_model == dfr_flat)
        return id & dest;
    // Cluster model: cluster in 7:4, one of four CPUs in 3:0.
    if ((id >> 4) != (dest >> 4))
        return 0;
    return id & dest & 0xf;
}

uint32_t x2apic_logical_match(const CellCpu& c, uint32_t dest) {
    if ((c.ldr >> 16) != (dest >> 16))
        return 0;
    return c.ldr & dest & 0xffff;
}

void add_all(TargetSet& set, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i)
        set.add(i);
}

}  // namespace

IcrDecision filter_icr(Mode mode, uint64_t icr, const CellCpu* cpus, uint32_t count, uint32_t self) {
    IcrDecision d;
    uint32_t low = static_cast<uint32_t>(icr);
    uint32_t mode_bits = delivery_mode_of(low);
    uint32_t dest = mode == Mode::x2apic ? static_cast<uint32_t>(icr >> 32) : static_cast<uint32_t>(icr >> 56);
    uint32_t broadcast = mode == Mode::x2apic ? 0xffffffffu : 0xffu;

    switch (mode_bits) {
    case dm_fixed:
    case dm_lowest:
    case dm_nmi:
        break;
    default:
        d.refusal = Refusal::delivery_mode;
        d.refused_destination = dest;
        return d;
    }

    switch (shorthand_of(low)) {
    case sh_self:
        d.targets.add(self);
        break;
    case sh_all_including_self:
        add_all(d.targets, count);
        break;
    case sh_all_excluding_self:
        add_all(d.targets, count);
        d.targets.remove(self);
        break;
    default:
        if (dest == broadcast) {
            add_all(d.targets, count);
        } else if (!(low & icr_dest_logical)) {
            for (uint32_t i = 0; i < count; ++i)
                if (cpus[i].apic_id == dest)
                    d.targets.add(i);
            if (d.targets.empty()) {
                d.refusal = Refusal::destination;
                d.refused_destination = dest;
            }
        } else {
            uint32_t covered = 0;
            uint32_t dfr_model = cpus[self].dfr >> 28;
            for (uint32_t i = 0; i < count; ++i) {
                uint32_t bits = mode == Mode::x2apic ? x2apic_logical_match(cpus[i], dest)
                                                     : xapic_logical_match(cpus[i], dfr_model, dest);
                if (bits != 0) {
                    d.targets.add(i);
                    covered |= bits;
                }
            }
            uint32_t wanted = mode == Mode::x2apic ? (dest & 0xffff)
                              : dfr_model == dfr_flat ? dest
                                                      : (dest & 0xf);
            uint32_t uncovered = wanted & ~covered;
            if (uncovered != 0) {
                d.refusal = Refusal::destination;
                // Report the refused bits with the cluster they belong to.
                d.refused_destination = mode == Mode::x2apic ? ((dest & 0xffff0000u) | uncovered)
                                        : dfr_model == dfr_flat ? uncovered
                                                                : ((dest & 0xf0) | uncovered);
            }
        }
        break;
    }

    if (mode_bits == dm_lowest) {
        // One CPU takes a lowest-priority interrupt: the first one that matched.
        bool kept = false;
        for (uint32_t i = 0; i < count; ++i) {
            if (!d.targets.contains(i))
                continue;
            if (kept)
                d.targets.remove(i);
            kept = true;
        }
        mode_bits = dm_fixed;
    }
    d.send_low = (low & (icr_vector | icr_level_assert | icr_trigger_level)) | (mode_bits << 8);
    return d;
}

RteVerdict check_redirection_entry(Mode mode, uint64_t rte, const CellCpu* cpus, uint32_t count) {
    if (rte & rte_masked)
        return RteVerdict::allowed;
    if (rte & rte_remappable)
        return RteVerdict::remapped;
    uint32_t low = static_cast<uint32_t>(rte);
    switch (delivery_mode_of(low)) {
    case dm_fixed:
    case dm_lowest:
    case dm_nmi:
        break;
    default:
        return RteVerdict::delivery_mode;
    }
    uint32_t dest = static_cast<uint32_t>(rte >> 56);
    if (dest == 0xff)
        return RteVerdict::destination;  // broadcast: every CPU, other cells' too
    if (mode == Mode::x2apic) {
        // Without remapping the 8-bit destination is a physical x2APIC id;
        // an 8-bit logical one names no x2APIC CPU we could vouch for.
        if (low & icr_dest_logical)
            return RteVerdict::destination;
        uint64_t icr = (static_cast<uint64_t>(dest) << 32) | (low & ~icr_shorthand);
        return filter_icr(mode, icr, cpus, count, 0).refusal == Refusal::none ? RteVerdict::allowed
                                                                             : RteVerdict::destination;
    }
    uint64_t icr = (static_cast<uint64_t>(dest) << 56) | (low & ~icr_shorthand);
    return filter_icr(mode, icr, cpus, count, 0).refusal == Refusal::none ? RteVerdict::allowed
                                                                         : RteVerdict::destination;
}

const char* check_msi_message(Mode mode, uint64_t address, uint32_t data, const CellCpu* cpus, uint32_t count) {
    constexpr uint64_t msi_base_mask = 0xfff00000ull;
    constexpr uint64_t msi_base = 0xfee00000ull;
    constexpr uint64_t msi_remappable = 1u << 4;
    constexpr uint64_t msi_redirection_hint = 1u << 3;
    constexpr uint64_t msi_dest_logical = 1u << 2;
    constexpr uint32_t msi_level_trigger = 1u << 15;
    if ((address >> 32) != 0 || (address & msi_base_mask) != msi_base)
        return "an MSI address outside the interrupt range 0xfee00000";
    if (address & msi_remappable)
        return "an MSI in the remappable format";
    if (address & (msi_dest_logical | msi_redirection_hint))
        return "an MSI in logical destination mode";
    uint32_t mode_bits = delivery_mode_of(data);
    if (mode_bits != dm_fixed && mode_bits != dm_lowest)
        return "an MSI delivery mode other than fixed";
    if (data & msi_level_trigger)
        return "a level-triggered MSI";
    if ((data & icr_vector) < 32)
        return "an MSI vector below 32";
    uint32_t dest = static_cast<uint32_t>((address >> 12) & 0xff);
    if (dest == 0xff)
        return "a broadcast MSI";
    // A fixed IPI to the same physical destination is what the filter
    // already knows how to judge.
    uint32_t low = (data & icr_vector) | (dm_fixed << 8);
    uint64_t icr = mode == Mode::x2apic ? (static_cast<uint64_t>(dest) << 32) | low
                                        : (static_cast<uint64_t>(dest) << 56) | low;
    if (filter_icr(mode, icr, cpus, count, 0).refusal != Refusal::none)
        return "an MSI to a CPU outside the cell";
    return nullptr;
}

const char* check_root_msi_message(Mode mode, uint64_t address, uint32_t data, const CellCpu* cpus,
                                   uint32_t count) {
    constexpr uint64_t msi_remappable = 1u << 4;
    constexpr uint64_t msi_dest_logical = 1u << 2;
    constexpr uint64_t msi_redirection_hint = 1u << 3;
    if ((address & 0xfff00000ull) == 0xfee00000ull && (address >> 32) == 0 && (address & msi_remappable))
        return nullptr;
    if (!(address & msi_dest_logical))
        return check_msi_message(mode, address & ~msi_redirection_hint, data, cpus, count);
    // Logical: judge it as the IPI it would be (x2APIC without remapping
    // has no 8-bit logical ids the filter could vouch for).
    if ((address & 0xfff00000ull) != 0xfee00000ull || (address >> 32) != 0 || mode == Mode::x2apic)
        return "an MSI the hypervisor cannot attribute to the root's CPUs";
    uint32_t mode_bits = delivery_mode_of(data);
    if (mode_bits != dm_fixed && mode_bits != dm_lowest)
        return "an MSI delivery mode other than fixed";
    uint32_t dest = static_cast<uint32_t>((address >> 12) & 0xff);
    uint64_t icr = (static_cast<uint64_t>(dest) << 56) | (data & icr_vector) | icr_dest_logical;
    if (dest == 0xff || filter_icr(mode, icr, cpus, count, 0).refusal != Refusal::none)
        return "an MSI to a CPU outside the root cell";
    return nullptr;
}

const char* rte_verdict_name(RteVerdict verdict) {
    switch (verdict) {
    case RteVerdict::allowed: return "allowed";
    case RteVerdict::remapped: return "remapped (not filtered)";
    case RteVerdict::delivery_mode: return "delivery mode never allowed";
    case RteVerdict::destination: return "destination outside the cell";
    }
    return "?";
}

}  // namespace bh::x86::apic
