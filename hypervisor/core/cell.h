// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Cells as the hypervisor keeps them, and the requests one CPU makes of
// another (park, start, flush): the arch-free half of cell management.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/kconfig.h>
#include <bh/result.h>
#include <bulkhead/cell.h>
#include <bulkhead/hypercall.h>

#include "channel_device.h"
#include "config_validator.h"

namespace bh {

struct PerCpu;

inline constexpr uint32_t max_cells = kconfig::max_cells;
inline constexpr uint32_t root_cell_id = 0;

struct Cell {
    bool in_use = false;
    uint32_t id = 0;
    uint32_t state = BH_CELL_STATE_SHUT_DOWN;  // the hypervisor's view
    bool loadable = false;                      // loadable regions mapped in the root
    bool started_once = false;
    void* config_pages = nullptr;  // the hypervisor's copy of the config
    size_t config_page_count = 0;
    config::CellView view;
    char reason[BH_CELL_REASON_SIZE] = {};  // why it failed
    uint64_t arch_npt_root = 0;             // arch: nested page table root
    void* arch_iopm = nullptr;              // arch: I/O permission bitmap
    void* arch_msrpm = nullptr;             // arch: MSR permission bitmap
    void* arch_npt_pages = nullptr;         // arch: opaque page-table handle
    // Doorbell vector per channel (index into view.channels()); 0 = none.
    uint8_t channel_vector[BH_ABI_MAX_CHANNELS] = {};
    // The APIC id the doorbell goes to; any_cpu: the cell's first CPU.
    static constexpr uint32_t any_cpu = 0xffffffffu;
    uint32_t channel_target[BH_ABI_MAX_CHANNELS] = {};
    // What the cell wrote to each channel's virtual PCI device.
    channel_device::State channel_device[BH_ABI_MAX_CHANNELS] = {};
};

// What one CPU asks of another; served on the target from its NMI exit or
// its park loop.
enum class CpuRequest : uint32_t {
    none = 0,
    park,       // stop the guest, wait in the hypervisor
    start,      // parked: run `request_cell` from its boot state
    flush_tlb,  // the cell's nested page tables changed
    sipi,       // parked root CPU: start Linux at `request_vector`
};

Cell& root_cell();
Cell* cell_by_id(uint32_t id);
// The cell whose guest runs on this CPU (root for every root CPU).
Cell& cell_of(PerCpu& cpu);

// Hypercall bodies (root cell only; the caller checked that).
int64_t cell_create(PerCpu& caller, uint64_t config_gpa, uint64_t size);
int64_t cell_set_loadable(PerCpu& caller, uint64_t id);
int64_t cell_start(PerCpu& caller, uint64_t id);
int64_t cell_shutdown(PerCpu& caller, uint64_t id);
int64_t cell_destroy(PerCpu& caller, uint64_t id);
int64_t cell_get_state(uint64_t id);
int64_t cell_get_reason(uint64_t id, uint64_t buffer_gpa);
int64_t cell_console_write(PerCpu& caller, uint64_t text_gpa, uint64_t length);
// Channel hypercalls (any cell; hypercall.h).
int64_t channel_notify(PerCpu& caller, uint64_t channel_id);
int64_t channel_set_vector(PerCpu& caller, uint64_t channel_id, uint64_t vector);
int64_t channel_peer_state(PerCpu& caller, uint64_t channel_id);
// For the channel device: the peer's cell id (0xffffffff: gone), and the
// doorbell set from its MSI (vector 0: none) to the CPU with `apic_id`.
uint32_t channel_peer_id(PerCpu& caller, uint64_t channel_id);
void channel_set_doorbell(PerCpu& caller, uint32_t channel_index, uint8_t vector, uint32_t apic_id);
int64_t cell_cpus(uint64_t id);
uint32_t cell_count();
bool cells_exist();

// A cell broke a rule: record why, stop all its CPUs (this one included),
// and mark it failed. Returns only on other CPUs' behalf; on `cpu` itself
// the caller must enter the park loop afterwards.
void cell_fail(PerCpu& cpu, const char* reason);

// A guest-physical range of `cell`, as host-physical, if one memory region
// with all of `required_flags` holds all of it.
bool cell_translate(const Cell& cell, uint64_t gpa, uint64_t size, uint64_t required_flags, uint64_t& phys);

// Serve this CPU's pending request; returns true when the guest to run
// changed (start or SIPI), so the caller leaves the park loop.
bool serve_cpu_request(PerCpu& cpu);

// The root's INIT to `target`, another CPU of the root: like a real INIT, it
// stops the CPU (parked in the hypervisor) to wait for a SIPI. Linux sends
// it only to CPUs it has offlined, e.g. one it had offered a cell whose
// create the hypervisor then refused. Returns true when the INIT was served.
bool root_virtual_init(PerCpu& caller, PerCpu& target);

// The root's SIPI to `target` (an APIC id's CPU). Returns true when it was a
// CPU of the root waiting for SIPI, which then starts at `vector`.
bool root_virtual_sipi(PerCpu& caller, PerCpu& target, uint8_t vector);

}  // namespace bh
