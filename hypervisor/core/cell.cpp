// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Cell management: create, load, start, shut down, destroy, fail.
//
// Every management hypercall comes from the root cell and runs under one
// lock; it checks everything first and changes state only when nothing can
// fail any more, except for the cross-CPU requests (a CPU that does not
// answer), which are undone. A cell's CPUs are taken over by asking them
// (an NMI plus a request word): a CPU only ever changes its own guest.
#include "cell.h"

#include <bh/spinlock.h>

#include "arch.h"
#include "console.h"
#include "hypervisor.h"
#include "pci_config.h"

namespace bh {

namespace {

constexpr uint64_t page_size = 4096;

constinit Cell cells[max_cells];

// Guards what channel hypercalls of other cells read of a cell (in_use,
// view, state, channel_vector) against create and destroy. Held briefly,
// never while waiting for another CPU. Management code, which holds the
// management lock, takes it only where it changes those fields.
constinit SpinLock cells_lock;

// Guest CPUs run between the NMIs of a request; a CPU that has not answered
// after this long is broken (or its guest holds NMIs blocked forever).
constexpr uint64_t request_timeout_ms = 2000;
constexpr uint64_t request_resend_ms = 5;

uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

uint64_t tsc_per_ms() {
    uint32_t khz = hypervisor().header->tsc_khz;
    return khz != 0 ? khz : 3000000;  // unknown: assume 3 GHz
}

bool is_cell_cpu(const Cell& cell, uint32_t cpu) { return cell.view.has_cpu(cpu); }

template <typename Fn>
void for_each_cpu_of(const Cell& cell, Fn fn) {
    for (uint32_t cpu = 0; cpu < kconfig::max_cpus; ++cpu)
        if (cpu_entered(cpu) && is_cell_cpu(cell, cpu))
            fn(percpu(cpu));
}

// Post a request and, unless `wait` is false, wait until the target served
// it (or a later one).
Result<void> request_cpu(PerCpu& target, CpuRequest what, Cell* cell, uint8_t vector, bool wait) {
    uint32_t seq;
    {
        LockGuard guard(target.request_lock);
        target.request_cell = cell;
        target.request_vector = vector;
        __atomic_store_n(&target.request, static_cast<uint32_t>(what), __ATOMIC_RELEASE);
        seq = __atomic_add_fetch(&target.request_seq, 1, __ATOMIC_ACQ_REL);
    }
    arch_send_nmi(target);
    if (!wait)
        return success();
    uint64_t start = rdtsc();
    uint64_t last_nmi = start;
    uint64_t per_ms = tsc_per_ms();
    while (static_cast<int32_t>(__atomic_load_n(&target.done_seq, __ATOMIC_ACQUIRE) - seq) < 0) {
        uint64_t now = rdtsc();
        if (now - start > request_timeout_ms * per_ms) {
            console::print("CPU {} does not answer (request {}); its guest as last saved:", target.cpu_id,
                           static_cast<uint32_t>(what));
            // Read while that CPU may change it: a clue, not a record.
            arch_dump_guest(target);
            return Errc::timedout;
        }
        // A parked CPU may have halted just before the NMI: knock again,
        // unless it answered meanwhile (a late NMI costs it a needless exit).
        if (now - last_nmi > request_resend_ms * per_ms &&
            static_cast<int32_t>(__atomic_load_n(&target.done_seq, __ATOMIC_ACQUIRE) - seq) < 0) {
            arch_send_nmi(target);
            last_nmi = now;
        }
        __builtin_ia32_pause();
    }
    return success();
}

Result<void> park_cpus(Cell& cell) {
    Result<void> result = success();
    for_each_cpu_of(cell, [&](PerCpu& cpu) {
        if (result.ok() && !cpu.parked)
            result = request_cpu(cpu, CpuRequest::park, nullptr, 0, true);
    });
    return result;
}

void copy_name(char* dst, size_t size, const char* src) {
    size_t i = 0;
    for (; i + 1 < size && src[i] != '\0'; ++i)
        dst[i] = src[i];
    dst[i] = '\0';
}

// The root owns [gpa, gpa + size) as RAM: one of its RAM regions holds it
// and no cell has taken any of it.
bool root_owns_ram(uint64_t gpa, uint64_t size) {
    if (size == 0 || gpa + size < gpa)
        return false;
    bool inside = false;
    for (const bh_memory_region& r : hypervisor().system.root().memory_regions())
        if (!(r.flags & BH_MEM_IO) && gpa >= r.phys_start && gpa + size <= r.phys_start + r.size)
            inside = true;
    if (!inside)
        return false;
    for (const Cell& c : cells)
        if (c.in_use && c.id != root_cell_id)
            for (const bh_memory_region& r : c.view.memory_regions())
                if (gpa < r.phys_start + r.size && r.phys_start < gpa + size)
                    return false;
    return true;
}

// The management lock, taken by root CPUs in hypercalls. While one waits
// for it (GIF=0: NMIs held), it still answers the holder's requests, or the
// holder's TLB flush of every root CPU would wait for it in vain.
class [[nodiscard]] ManagementGuard {
public:
    explicit ManagementGuard(PerCpu& cpu) {
        while (__atomic_exchange_n(&locked_, 1, __ATOMIC_ACQUIRE) != 0) {
            if (__atomic_load_n(&cpu.request_seq, __ATOMIC_ACQUIRE) != cpu.done_seq)
                serve_cpu_request(cpu);
            __builtin_ia32_pause();
        }
    }
    ~ManagementGuard() { __atomic_store_n(&locked_, 0, __ATOMIC_RELEASE); }
    ManagementGuard(const ManagementGuard&) = delete;
    ManagementGuard& operator=(const ManagementGuard&) = delete;

private:
    static inline int locked_ = 0;
};

Result<Cell*> managed_cell(uint64_t id) {
    Cell* cell = cell_by_id(static_cast<uint32_t>(id));
    if (cell == nullptr)
        return Errc::noent;
    if (cell->id == root_cell_id)
        return Errc::inval;  // the root cell is not managed this way
    return cell;
}

const bh_memory_region* comm_region(const Cell& cell) {
    for (const bh_memory_region& r : cell.view.memory_regions())
        if (r.flags & BH_MEM_COMM_REGION)
            return &r;
    return nullptr;
}

bh_comm_page* comm_page(const Cell& cell) {
    const bh_memory_region* r = comm_region(cell);
    // Cell memory is identity mapped in the hypervisor's address space.
    return r != nullptr ? reinterpret_cast<bh_comm_page*>(r->phys_start) : nullptr;
}

bool locked_by_cell(const Cell& cell) {
    const bh_comm_page* comm = comm_page(cell);
    return cell.state == BH_CELL_STATE_RUNNING && !(cell.view.desc().flags & BH_CELL_PASSIVE_COMMREG) &&
           comm != nullptr &&
           __atomic_load_n(&comm->cell_state, __ATOMIC_ACQUIRE) == BH_CELL_STATE_RUNNING_LOCKED;
}

// The root region that holds [phys, phys + size), if any: memory a cell
// took from the root goes back there on destroy.
const bh_memory_region* root_region_of(uint64_t phys, uint64_t size) {
    for (const bh_memory_region& r : hypervisor().system.root().memory_regions())
        if (phys >= r.phys_start && phys + size <= r.phys_start + r.size)
            return &r;
    return nullptr;
}

// Loading writes images into the loadable regions and the boot arguments
// into the communication page.
constexpr uint64_t root_writable_while_loading = BH_MEM_LOADABLE | BH_MEM_COMM_REGION;

bool root_has_port(uint32_t port) {
    for (const bh_pio_range& p : hypervisor().system.root().pio_ranges())
        if (port >= p.base && port < static_cast<uint32_t>(p.base) + p.length)
            return true;
    return false;
}

Result<void> map_loadable_into_root(Cell& cell) {
    for (const bh_memory_region& r : cell.view.memory_regions())
        if (r.flags & root_writable_while_loading)
            BH_TRY(arch_root_map(r.phys_start, r.size, BH_MEM_READ | BH_MEM_WRITE));
    return success();
}

void unmap_loadable_from_root(Cell& cell) {
    for (const bh_memory_region& r : cell.view.memory_regions())
        if ((r.flags & root_writable_while_loading) && !(r.flags & BH_MEM_ROOT_SHARED))
            (void)arch_root_unmap(r.phys_start, r.size);
}

// Every root CPU drops what its TLB knows of the root's nested tables.
void flush_root_tlbs(PerCpu& caller) {
    arch_request_tlb_flush(caller);
    for (uint32_t cpu = 0; cpu < kconfig::max_cpus; ++cpu) {
        if (!cpu_entered(cpu))
            continue;
        PerCpu& other = percpu(cpu);
        if (&other != &caller && other.cell == nullptr && !other.parked)
            (void)request_cpu(other, CpuRequest::flush_tlb, nullptr, 0, true);
    }
}

// The common first step of load, start, shutdown and destroy: the cell,
// unless it declared itself locked, with its CPUs parked.
Result<Cell*> stop_cell(uint64_t id, const char* operation) {
    Cell* cell = BH_TRY(managed_cell(id));
    if (locked_by_cell(*cell)) {
        console::print("cell \"{}\" is locked: {} refused", cell->view.name(), operation);
        return Errc::busy;
    }
    BH_TRY(park_cpus(*cell));
    // Whatever comes next (a load, a new boot, destroy) finds its devices
    // quiet: no DMA or interrupt from the previous run.
    pci_quiesce_devices(*cell);
    return cell;
}

}  // namespace

Cell& root_cell() {
    Cell& root = cells[root_cell_id];
    if (!root.in_use) {
        root.in_use = true;
        root.id = root_cell_id;
        root.state = BH_CELL_STATE_RUNNING;
        root.view = hypervisor().system.root();
    }
    return root;
}

Cell* cell_by_id(uint32_t id) {
    if (id == root_cell_id)
        return &root_cell();
    if (id >= max_cells || !cells[id].in_use)
        return nullptr;
    return &cells[id];
}

Cell& cell_of(PerCpu& cpu) { return cpu.cell != nullptr ? *cpu.cell : root_cell(); }

uint32_t cell_count() {
    uint32_t n = 0;
    for (const Cell& c : cells)
        n += c.in_use;
    return n == 0 ? 1 : n;
}

bool cells_exist() {
    for (uint32_t i = 1; i < max_cells; ++i)
        if (cells[i].in_use)
            return true;
    return false;
}

bool cell_translate(const Cell& cell, uint64_t gpa, uint64_t size, uint64_t required_flags, uint64_t& phys) {
    if (size == 0 || gpa + size < gpa)
        return false;
    if (cell.id == root_cell_id) {
        if (!root_owns_ram(gpa, size))
            return false;
        phys = gpa;
        return true;
    }
    for (const bh_memory_region& r : cell.view.memory_regions()) {
        if ((r.flags & required_flags) != required_flags || (r.flags & BH_MEM_IO))
            continue;
        if (gpa >= r.guest_start && gpa + size <= r.guest_start + r.size) {
            phys = r.phys_start + (gpa - r.guest_start);
            return true;
        }
    }
    return false;
}

int64_t cell_create(PerCpu& caller, uint64_t config_gpa, uint64_t size) {
    Hypervisor& hv = hypervisor();
    ManagementGuard guard(caller);

    if (size < sizeof(bh_cell_desc) || size > BH_CONFIG_MAX_SIZE || !root_owns_ram(config_gpa, size)) {
        console::print("cell create: config [{}, +{}) is not root memory of a valid size", hex(config_gpa), size);
        return to_errno(Errc::inval);
    }
    uint32_t id = 0;
    for (uint32_t i = 1; i < max_cells && id == 0; ++i)
        if (!cells[i].in_use)
            id = i;
    if (id == 0) {
        console::print("cell create: all {} cells in use", max_cells - 1);
        return to_errno(Errc::nospc);
    }

    // The hypervisor's own copy: the root could change its buffer later.
    size_t pages = (size + page_size - 1) / page_size;
    auto copy = hv.pool.alloc(pages);
    if (!copy.ok())
        return to_errno(Errc::nomem);
    __builtin_memcpy(*copy, reinterpret_cast<const void*>(config_gpa), size);

    Cell& cell = cells[id];
    config::Diagnostic diag;
    auto parsed = config::parse_cell(*copy, size, diag);
    Result<void> valid = parsed.ok() ? config::validate_cell(*parsed, false, config::Limits{kconfig::max_cpus}, diag)
                                     : Result<void>(parsed.error());
    if (valid.ok()) {
        config::CellView others[max_cells];
        size_t count = 0;
        for (uint32_t i = 1; i < max_cells; ++i)
            if (cells[i].in_use)
                others[count++] = cells[i].view;
        valid = config::validate_cell_in_system(hv.system, *parsed, Span<const config::CellView>(others, count),
                                                config::PeerPolicy::may_be_absent, diag);
    }
    if (!valid.ok()) {
        console::print("cell create refused: {}", diag.message());
        hv.pool.free(*copy, pages);
        return to_errno(valid.error());
    }
    const config::CellView& view = *parsed;
    // Every CPU of the cell must be a CPU the hypervisor runs on.
    for (uint32_t cpu = 0; cpu < view.cpu_capacity(); ++cpu) {
        if (view.has_cpu(cpu) && (!cpu_entered(cpu) || percpu(cpu).cell != nullptr || &percpu(cpu) == &caller)) {
            console::print("cell create refused: \"{}\": CPU {} is not an idle root CPU", view.name(), cpu);
            hv.pool.free(*copy, pages);
            return to_errno(Errc::busy);
        }
    }
    if (auto devices = pci_check_devices(view); !devices.ok()) {
        hv.pool.free(*copy, pages);
        return to_errno(devices.error());
    }

    cell = Cell{};
    cell.id = id;
    cell.view = view;
    cell.config_pages = *copy;
    cell.config_page_count = pages;
    auto arch = arch_cell_create(cell);
    if (!arch.ok()) {
        console::print("cell create: \"{}\": out of page-pool memory for its page tables", view.name());
        arch_cell_destroy(cell);
        hv.pool.free(*copy, pages);
        cell = Cell{};
        return to_errno(arch.error());
    }

    // Take the CPUs: Linux offlined them; they wait in the hypervisor now.
    Result<void> parked = success();
    for_each_cpu_of(cell, [&](PerCpu& cpu) {
        if (parked.ok())
            parked = request_cpu(cpu, CpuRequest::park, nullptr, 0, true);
    });
    if (!parked.ok()) {
        // The CPUs already taken wait for Linux, which brings them back
        // online with INIT/SIPI when the driver undoes the create.
        for_each_cpu_of(cell, [&](PerCpu& cpu) {
            if (cpu.parked)
                cpu.wait_for_sipi = true;
        });
        arch_cell_destroy(cell);
        hv.pool.free(*copy, pages);
        cell = Cell{};
        return to_errno(parked.error());
    }
    // The cell's memory and ports leave the root.
    for (const bh_memory_region& r : view.memory_regions())
        if (!(r.flags & BH_MEM_ROOT_SHARED))
            (void)arch_root_unmap(r.phys_start, r.size);
    for (const bh_pio_range& p : view.pio_ranges())
        arch_root_ports(p.base, p.length, false);
    pci_take_devices(cell);
    flush_root_tlbs(caller);

    {
        LockGuard lock(cells_lock);
        cell.in_use = true;
        cell.state = BH_CELL_STATE_SHUT_DOWN;
    }
    for_each_cpu_of(cell, [&](PerCpu& cpu) { cpu.cell = &cell; });
    console::print("cell \"{}\" (id {}) created on {} CPUs", view.name(), id, view.cpu_count());
    return id;
}

int64_t cell_set_loadable(PerCpu& caller, uint64_t id) {
    ManagementGuard guard(caller);
    Cell* cell = BH_TRY_ERRNO(stop_cell(id, "load"));
    if (!cell->loadable) {
        if (auto r = map_loadable_into_root(*cell); !r.ok()) {
            unmap_loadable_from_root(*cell);
            return to_errno(r.error());
        }
        cell->loadable = true;
    }
    if (cell->state != BH_CELL_STATE_FAILED)
        cell->state = BH_CELL_STATE_SHUT_DOWN;
    return 0;
}

int64_t cell_start(PerCpu& caller, uint64_t id) {
    ManagementGuard guard(caller);
    Cell* cell = BH_TRY_ERRNO(stop_cell(id, "start"));
    if (cell->loadable) {
        unmap_loadable_from_root(*cell);
        flush_root_tlbs(caller);
        cell->loadable = false;
    }
    if (bh_comm_page* comm = comm_page(*cell)) {
        // The loader wrote the boot arguments; the rest is the hypervisor's.
        __builtin_memcpy(comm->signature, BH_COMM_SIGNATURE, sizeof(comm->signature));
        comm->revision = BH_COMM_REVISION;
        comm->cell_id = cell->id;
        comm->num_cpus = cell->view.cpu_count();
        comm->flags = 0;
        comm->tsc_khz = hypervisor().header->tsc_khz;
        comm->apic_khz = 0;
        comm->msg_to_cell = BH_COMM_MSG_NONE;
        comm->reply_from_cell = BH_COMM_REPLY_NONE;
        __atomic_store_n(&comm->cell_state, BH_CELL_STATE_RUNNING, __ATOMIC_RELEASE);
        comm->args[BH_COMM_ARGS_SIZE - 1] = '\0';
    }
    cell->reason[0] = '\0';
    {
        // A new boot registers its own doorbells and finds its channel
        // devices as after reset.
        LockGuard lock(cells_lock);
        __builtin_memset(cell->channel_vector, 0, sizeof(cell->channel_vector));
        for (uint32_t& target : cell->channel_target)
            target = Cell::any_cpu;
        for (channel_device::State& device : cell->channel_device)
            device = channel_device::State{};
    }
    cell->state = BH_CELL_STATE_RUNNING;
    cell->started_once = true;
    Result<void> started = success();
    for_each_cpu_of(*cell, [&](PerCpu& cpu) {
        if (started.ok())
            started = request_cpu(cpu, CpuRequest::start, cell, 0, true);
    });
    if (!started.ok()) {
        cell->state = BH_CELL_STATE_FAILED;
        copy_name(cell->reason, sizeof(cell->reason), "a CPU did not start");
        (void)park_cpus(*cell);
        return to_errno(started.error());
    }
    console::print("cell \"{}\" started", cell->view.name());
    return 0;
}

int64_t cell_shutdown(PerCpu& caller, uint64_t id) {
    ManagementGuard guard(caller);
    Cell* cell = BH_TRY_ERRNO(stop_cell(id, "shutdown"));
    if (cell->state != BH_CELL_STATE_FAILED)
        cell->state = BH_CELL_STATE_SHUT_DOWN;
    console::print("cell \"{}\" shut down", cell->view.name());
    return 0;
}

int64_t cell_destroy(PerCpu& caller, uint64_t id) {
    ManagementGuard guard(caller);
    Cell* cell = BH_TRY_ERRNO(stop_cell(id, "destroy"));
    if (cell->loadable)
        unmap_loadable_from_root(*cell);

    // Scrub what the root gets back, then give it back. Channel regions
    // are not memory regions: they are neither scrubbed nor given to the
    // root; the peer keeps its mapping and sees the cell gone.
    for (const bh_memory_region& r : cell->view.memory_regions()) {
        if (r.flags & BH_MEM_ROOT_SHARED)
            continue;
        // Device memory is not scrubbed (registers, not data), but it goes
        // back to the root like RAM.
        if (!(r.flags & BH_MEM_IO))
            __builtin_memset(reinterpret_cast<void*>(r.phys_start), 0, r.size);
        if (const bh_memory_region* root = root_region_of(r.phys_start, r.size))
            (void)arch_root_map(r.phys_start, r.size, root->flags);
    }
    pci_return_devices(*cell);
    flush_root_tlbs(caller);
    // Ports go back to the root where its config gives them to it.
    for (const bh_pio_range& p : cell->view.pio_ranges())
        for (uint32_t port = p.base; port < static_cast<uint32_t>(p.base) + p.length; ++port)
            if (root_has_port(port))
                arch_root_ports(static_cast<uint16_t>(port), 1, true);

    // Its CPUs belong to the root again and wait for Linux's INIT/SIPI.
    for_each_cpu_of(*cell, [&](PerCpu& cpu) {
        cpu.cell = nullptr;
        cpu.wait_for_sipi = true;
    });
    console::print("cell \"{}\" destroyed", cell->view.name());
    arch_cell_destroy(*cell);
    void* config_pages = cell->config_pages;
    size_t config_page_count = cell->config_page_count;
    {
        // Channel peers stop seeing it before its config pages go.
        LockGuard lock(cells_lock);
        *cell = Cell{};
    }
    hypervisor().pool.free(config_pages, config_page_count);
    return 0;
}

namespace {

// The state the root and channel peers see: the hypervisor's, refined by
// what a running inmate declares in its comm page (locked; or ended,
// normally or with an error: only these are taken from it).
uint32_t visible_state(const Cell& cell) {
    if (locked_by_cell(cell))
        return BH_CELL_STATE_RUNNING_LOCKED;
    uint32_t state = __atomic_load_n(&cell.state, __ATOMIC_ACQUIRE);
    const bh_comm_page* comm = comm_page(cell);
    if (state == BH_CELL_STATE_RUNNING && comm != nullptr && !(cell.view.desc().flags & BH_CELL_PASSIVE_COMMREG)) {
        uint32_t declared = __atomic_load_n(&comm->cell_state, __ATOMIC_ACQUIRE);
        if (declared == BH_CELL_STATE_SHUT_DOWN || declared == BH_CELL_STATE_FAILED)
            return declared;
    }
    return state;
}

}  // namespace

int64_t cell_get_state(uint64_t id) {
    Cell* cell = cell_by_id(static_cast<uint32_t>(id));
    if (cell == nullptr)
        return to_errno(Errc::noent);
    return visible_state(*cell);
}

int64_t cell_get_reason(uint64_t id, uint64_t buffer_gpa) {
    Cell* cell = cell_by_id(static_cast<uint32_t>(id));
    if (cell == nullptr)
        return to_errno(Errc::noent);
    if (!root_owns_ram(buffer_gpa, BH_CELL_REASON_SIZE))
        return to_errno(Errc::fault);
    const char* reason = cell->reason;
    if (reason[0] == '\0' && visible_state(*cell) == BH_CELL_STATE_FAILED)
        reason = "the inmate declared itself failed in its comm page";
    copy_name(reinterpret_cast<char*>(buffer_gpa), BH_CELL_REASON_SIZE, reason);
    return 0;
}

int64_t cell_cpus(uint64_t id) {
    Cell* cell = cell_by_id(static_cast<uint32_t>(id));
    if (cell == nullptr)
        return to_errno(Errc::noent);
    auto words = cell->view.cpu_words();
    return words.empty() ? 0 : static_cast<int64_t>(words[0] & 0x7fffffffffffffffull);
}

int64_t cell_console_write(PerCpu& caller, uint64_t text_gpa, uint64_t length) {
    Cell& cell = cell_of(caller);
    if (length == 0)
        return 0;
    if (length > BH_CONSOLE_WRITE_MAX)
        return to_errno(Errc::msgsize);
    uint64_t phys;
    if (!cell_translate(cell, text_gpa, length, BH_MEM_READ, phys))
        return to_errno(Errc::fault);
    // Copy once: the cell may change the text while we print it.
    char text[BH_CONSOLE_WRITE_MAX];
    __builtin_memcpy(text, reinterpret_cast<const void*>(phys), length);
    FixedString<BH_CONSOLE_WRITE_MAX + 48> line;
    line.put('[');
    line.put(Str(cell.id == root_cell_id ? "root" : cell.view.name()));
    line.put(Str("] "));
    for (uint64_t i = 0; i < length; ++i) {
        char c = text[i];
        line.put((c == '\n' || (c >= 0x20 && c < 0x7f)) ? c : '?');
    }
    console::write(line.c_str(), line.length());
    return static_cast<int64_t>(length);
}

namespace {

// The channel `id` of `cell`'s config: its index, or -1.
int channel_index(const Cell& cell, uint64_t id) {
    auto channels = cell.view.channels();
    for (size_t i = 0; i < channels.size() && i < BH_ABI_MAX_CHANNELS; ++i)
        if (channels[i].id == id)
            return static_cast<int>(i);
    return -1;
}

bool same_name(const char* a, const char* b) {
    size_t i = 0;
    for (; i < BH_CELL_NAME_LEN && a[i] == b[i]; ++i)
        if (a[i] == '\0')
            return true;
    return i == BH_CELL_NAME_LEN;
}

// The live cell named `name`, the root included; cells_lock held.
Cell* cell_by_name(const char* name) {
    Cell& root = root_cell();
    if (same_name(root.view.name(), name))
        return &root;
    for (uint32_t i = 1; i < max_cells; ++i)
        if (cells[i].in_use && same_name(cells[i].view.name(), name))
            return &cells[i];
    return nullptr;
}

}  // namespace

// The caller's own cell cannot go away under it: destroy parks its CPUs
// first, and a CPU serves the park request only after this hypercall.
int64_t channel_notify(PerCpu& caller, uint64_t channel_id) {
    Cell& self = cell_of(caller);
    int index = channel_index(self, channel_id);
    if (index < 0)
        return to_errno(Errc::noent);
    LockGuard lock(cells_lock);
    Cell* peer = cell_by_name(self.view.channels()[index].peer);
    if (peer == nullptr || peer->id == root_cell_id)
        return to_errno(Errc::again);  // gone, or the root: it polls
    int peer_index = channel_index(*peer, channel_id);
    uint8_t vector = peer_index < 0 ? 0 : peer->channel_vector[peer_index];
    uint32_t state = __atomic_load_n(&peer->state, __ATOMIC_ACQUIRE);
    if (vector == 0 || state != BH_CELL_STATE_RUNNING)
        return to_errno(Errc::again);
    // The peer's CPU its MSI names, else its first, if it runs the peer's
    // guest right now; a parked CPU gets nothing (the interrupt could
    // outlive the cell).
    uint32_t apic_id = peer->channel_target[peer_index];
    for (uint32_t cpu = 0; cpu < kconfig::max_cpus; ++cpu) {
        if (!cpu_entered(cpu) || !peer->view.has_cpu(cpu))
            continue;
        PerCpu& target = percpu(cpu);
        if (apic_id != Cell::any_cpu && target.apic_id != apic_id)
            continue;
        if (target.cell != peer || target.parked)
            return to_errno(Errc::again);
        arch_send_ipi(target, vector);
        return 0;
    }
    return to_errno(Errc::again);
}

int64_t channel_set_vector(PerCpu& caller, uint64_t channel_id, uint64_t vector) {
    Cell& self = cell_of(caller);
    int index = channel_index(self, channel_id);
    if (index < 0)
        return to_errno(Errc::noent);
    if (!bh_channel_vector_valid(vector))
        return to_errno(Errc::inval);
    if (self.id == root_cell_id)
        return to_errno(Errc::perm);  // the root polls (channels.md)
    LockGuard lock(cells_lock);
    self.channel_vector[index] = static_cast<uint8_t>(vector);
    self.channel_target[index] = Cell::any_cpu;
    return 0;
}

void channel_set_doorbell(PerCpu& caller, uint32_t channel_index, uint8_t vector, uint32_t apic_id) {
    Cell& self = cell_of(caller);
    LockGuard lock(cells_lock);
    self.channel_vector[channel_index] = vector;
    self.channel_target[channel_index] = vector != 0 ? apic_id : Cell::any_cpu;
}

uint32_t channel_peer_id(PerCpu& caller, uint64_t channel_id) {
    Cell& self = cell_of(caller);
    int index = channel_index(self, channel_id);
    if (index < 0)
        return 0xffffffffu;
    LockGuard lock(cells_lock);
    Cell* peer = cell_by_name(self.view.channels()[index].peer);
    return peer != nullptr ? peer->id : 0xffffffffu;
}

int64_t channel_peer_state(PerCpu& caller, uint64_t channel_id) {
    Cell& self = cell_of(caller);
    int index = channel_index(self, channel_id);
    if (index < 0)
        return to_errno(Errc::noent);
    LockGuard lock(cells_lock);
    Cell* peer = cell_by_name(self.view.channels()[index].peer);
    if (peer == nullptr)
        return BH_CELL_STATE_GONE;
    return visible_state(*peer);
}

void cell_fail(PerCpu& cpu, const char* reason) {
    Cell& cell = cell_of(cpu);
    uint32_t state = __atomic_load_n(&cell.state, __ATOMIC_ACQUIRE);
    if (state == BH_CELL_STATE_RUNNING &&
        __atomic_compare_exchange_n(&cell.state, &state, BH_CELL_STATE_FAILED, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        copy_name(cell.reason, sizeof(cell.reason), reason);
        console::print("cell \"{}\" FAILED on CPU {}: {}", cell.view.name(), cpu.cpu_id, reason);
        // Its devices must not go on interrupting or writing memory.
        pci_quiesce_devices(cell);
    }
    // The other CPUs stop without anyone waiting for them: they may be
    // failing at the same moment, and waiting on each other with GIF=0
    // would deadlock.
    for_each_cpu_of(cell, [&](PerCpu& other) {
        if (&other != &cpu && !other.parked)
            (void)request_cpu(other, CpuRequest::park, nullptr, 0, false);
    });
}

bool serve_cpu_request(PerCpu& cpu) {
    uint32_t seq = __atomic_load_n(&cpu.request_seq, __ATOMIC_ACQUIRE);
    if (seq == cpu.done_seq)
        return false;
    auto what = static_cast<CpuRequest>(__atomic_load_n(&cpu.request, __ATOMIC_ACQUIRE));
    bool new_guest = false;
    switch (what) {
    case CpuRequest::park:
        cpu.parked = true;
        break;
    case CpuRequest::start:
        if (cpu.parked && cpu.request_cell != nullptr) {
            arch_reset_to_cell(cpu, *cpu.request_cell);
            cpu.parked = false;
            new_guest = true;
        }
        break;
    case CpuRequest::flush_tlb:
        arch_request_tlb_flush(cpu);
        break;
    case CpuRequest::sipi:
        if (cpu.parked && cpu.cell == nullptr && cpu.wait_for_sipi) {
            arch_reset_to_root_sipi(cpu, cpu.request_vector);
            cpu.wait_for_sipi = false;
            cpu.parked = false;
            new_guest = true;
        }
        break;
    case CpuRequest::none:
        break;
    }
    __atomic_store_n(&cpu.done_seq, seq, __ATOMIC_RELEASE);
    return new_guest;
}

bool root_virtual_init(PerCpu& caller, PerCpu& target) {
    if (&caller == &target)
        return false;
    ManagementGuard guard(caller);
    if (target.cell != nullptr)
        return false;
    if (!target.parked && !request_cpu(target, CpuRequest::park, nullptr, 0, true).ok())
        return false;
    target.wait_for_sipi = true;
    return true;
}

bool root_virtual_sipi(PerCpu& caller, PerCpu& target, uint8_t vector) {
    ManagementGuard guard(caller);
    if (target.cell != nullptr || !target.wait_for_sipi)
        return false;
    return request_cpu(target, CpuRequest::sipi, nullptr, vector, true).ok();
}

}  // namespace bh
