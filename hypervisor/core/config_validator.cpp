// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The configuration validator. See config_validator.h for its contract and
// Documentation/config-format.md for the rules in prose.
#include "config_validator.h"

#include "channel_device.h"

namespace bh::config {

namespace {

constexpr uint64_t page_size = BH_CONFIG_PAGE_SIZE;
constexpr uint64_t hypervisor_memory_min = 1ull << 20;
constexpr uint32_t channel_slot_min = 64;
// Most configs checked together; bounds stack arrays of views.

// Half-open address interval [start, end). `end` may be 2^64, which does not
// fit, so intervals carry their size and are checked for wrap first.
struct Interval {
    uint64_t start;
    uint64_t size;
    constexpr uint64_t last() const { return start + size - 1; }
    constexpr bool overlaps(const Interval& other) const {
        return start <= other.last() && other.start <= last();
    }
    constexpr bool contains(const Interval& inner) const {
        return inner.start >= start && inner.last() <= last();
    }
};

constexpr bool wraps(uint64_t start, uint64_t size) { return size != 0 && start + (size - 1) < start; }
constexpr bool is_page_aligned(uint64_t v) { return (v & (page_size - 1)) == 0; }
constexpr bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

bool bytes_equal(const char* a, const char* b, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i])
            return false;
    return true;
}

// Length of a NUL-terminated name held in a fixed field, or `capacity` when
// the field has no terminator.
size_t bounded_length(const char* field, size_t capacity) {
    size_t n = 0;
    while (n < capacity && field[n] != '\0')
        ++n;
    return n;
}

bool names_equal(const char* a, const char* b) {
    for (size_t i = 0; i < BH_CELL_NAME_LEN; ++i) {
        if (a[i] != b[i])
            return false;
        if (a[i] == '\0')
            return true;
    }
    return true;
}

// Printable copy of an 8-byte signature for messages.
struct SignatureText {
    char text[BH_SIGNATURE_LEN + 1];
    explicit SignatureText(const char* sig) {
        for (size_t i = 0; i < BH_SIGNATURE_LEN; ++i)
            text[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
        text[BH_SIGNATURE_LEN] = '\0';
    }
};


bool within_ram(const bh_platform_info& platform, Interval range) {
    for (uint32_t i = 0; i < platform.num_ram_ranges; ++i) {
        Interval ram{platform.ram[i].start, platform.ram[i].size};
        if (ram.contains(range))
            return true;
    }
    return false;
}

bool overlaps_ram(const bh_platform_info& platform, Interval range) {
    for (uint32_t i = 0; i < platform.num_ram_ranges; ++i)
        if (Interval{platform.ram[i].start, platform.ram[i].size}.overlaps(range))
            return true;
    return false;
}

// Structural checks common to both signatures.
Result<void> check_header(const char* signature, const char* expected_signature, uint32_t revision,
                          uint32_t total_size, size_t available, Diagnostic& diag) {
    if (!bytes_equal(signature, expected_signature, BH_SIGNATURE_LEN))
        return diag.fail(Errc::inval, "signature: expected \"{}\", found \"{}\"", expected_signature,
                         SignatureText(signature).text);
    if (revision != BH_CONFIG_REVISION)
        return diag.fail(Errc::inval, "revision: expected {}, found {} (rebuild the config)",
                         BH_CONFIG_REVISION, revision);
    if (total_size != available)
        return diag.fail(Errc::inval, "total_size: header says {} bytes, but the config has {}",
                         total_size, available);
    return success();
}

}  // namespace

void Diagnostic::set_context(const char* context) {
    size_t n = 0;
    if (context != nullptr)
        for (; n + 1 < sizeof(context_) && context[n] != '\0'; ++n)
            context_[n] = context[n];
    context_[n] = '\0';
}

bool CellView::has_cpu(uint32_t cpu) const {
    uint32_t word = cpu / 64;
    return word < cpu_words_.size() && (cpu_words_[word] >> (cpu % 64)) & 1;
}

uint32_t CellView::cpu_count() const {
    uint32_t count = 0;
    // A loop rather than __builtin_popcountll, which needs libgcc's
    // __popcountdi2 on CPUs without POPCNT: not available in the kernel.
    for (uint64_t word : cpu_words_)
        for (; word != 0; word &= word - 1)
            ++count;
    return count;
}

BlobKind classify(const void* data, size_t size) {
    if (data == nullptr || size < BH_SIGNATURE_LEN)
        return BlobKind::unknown;
    const char* sig = static_cast<const char*>(data);
    if (bytes_equal(sig, BH_SYSTEM_SIGNATURE, BH_SIGNATURE_LEN))
        return BlobKind::system;
    if (bytes_equal(sig, BH_CELL_SIGNATURE, BH_SIGNATURE_LEN))
        return BlobKind::cell;
    return BlobKind::unknown;
}

Result<CellView> parse_cell_arrays(const bh_cell_desc* desc, size_t available, Diagnostic& diag) {
    struct Count {
        const char* field;
        uint32_t value;
        uint32_t limit;
        size_t element_size;
    };
    const Count counts[] = {
        {"num_memory_regions", desc->num_memory_regions, BH_ABI_MAX_MEMORY_REGIONS, sizeof(bh_memory_region)},
        {"num_irqchips", desc->num_irqchips, BH_ABI_MAX_IRQCHIPS, sizeof(bh_irqchip)},
        {"num_pio_ranges", desc->num_pio_ranges, BH_ABI_MAX_PIO_RANGES, sizeof(bh_pio_range)},
        {"num_pci_devices", desc->num_pci_devices, BH_ABI_MAX_PCI_DEVICES, sizeof(bh_pci_device)},
        {"num_channels", desc->num_channels, BH_ABI_MAX_CHANNELS, sizeof(bh_channel)},
    };

    if (desc->cpu_set_size == 0 || desc->cpu_set_size % 8 != 0 || desc->cpu_set_size > BH_ABI_MAX_CPUS / 8)
        return diag.fail(Errc::inval, "cpu_set_size: {} bytes is not a non-zero multiple of 8 up to {}",
                         desc->cpu_set_size, BH_ABI_MAX_CPUS / 8);

    // All counts are bounded, so this sum cannot overflow.
    size_t needed = sizeof(bh_cell_desc) + desc->cpu_set_size;
    for (const Count& c : counts) {
        if (c.value > c.limit)
            return diag.fail(Errc::inval, "{}: {} exceeds the limit of {}", c.field, c.value, c.limit);
        needed += static_cast<size_t>(c.value) * c.element_size;
    }
    if (needed != available)
        return diag.fail(Errc::inval,
                         "total_size: the counts describe {} bytes of cell descriptor and arrays, "
                         "but {} are present",
                         needed, available);

    const uint8_t* cursor = reinterpret_cast<const uint8_t*>(desc) + sizeof(bh_cell_desc);
    auto take = [&cursor]<typename T>(uint32_t count, T*) {
        Span<const T> span(reinterpret_cast<const T*>(cursor), count);
        cursor += count * sizeof(T);
        return span;
    };
    CellView view;
    view.desc_ = desc;
    view.cpu_words_ = take(desc->cpu_set_size / 8, static_cast<uint64_t*>(nullptr));
    view.memory_ = take(desc->num_memory_regions, static_cast<bh_memory_region*>(nullptr));
    view.irqchips_ = take(desc->num_irqchips, static_cast<bh_irqchip*>(nullptr));
    view.pio_ = take(desc->num_pio_ranges, static_cast<bh_pio_range*>(nullptr));
    view.pci_ = take(desc->num_pci_devices, static_cast<bh_pci_device*>(nullptr));
    view.channels_ = take(desc->num_channels, static_cast<bh_channel*>(nullptr));
    return view;
}

Result<CellView> parse_cell(const void* data, size_t size, Diagnostic& diag) {
    if (data == nullptr || size < sizeof(bh_cell_desc))
        return diag.fail(Errc::inval, "size: {} bytes is smaller than a cell descriptor ({} bytes)", size,
                         sizeof(bh_cell_desc));
    if (size > BH_CONFIG_MAX_SIZE)
        return diag.fail(Errc::too_big, "size: {} bytes exceeds the limit of {}", size, BH_CONFIG_MAX_SIZE);
    if (reinterpret_cast<uintptr_t>(data) % 8 != 0)
        return diag.fail(Errc::inval, "internal: config buffer is not 8-byte aligned");
    const auto* desc = static_cast<const bh_cell_desc*>(data);
    BH_TRY(check_header(desc->signature, BH_CELL_SIGNATURE, desc->revision, desc->total_size, size, diag));
    return parse_cell_arrays(desc, size, diag);
}

Result<SystemView> parse_system(const void* data, size_t size, Diagnostic& diag) {
    if (data == nullptr || size < sizeof(bh_system_config))
        return diag.fail(Errc::inval, "size: {} bytes is smaller than a system config ({} bytes)", size,
                         sizeof(bh_system_config));
    if (size > BH_CONFIG_MAX_SIZE)
        return diag.fail(Errc::too_big, "size: {} bytes exceeds the limit of {}", size, BH_CONFIG_MAX_SIZE);
    if (reinterpret_cast<uintptr_t>(data) % 8 != 0)
        return diag.fail(Errc::inval, "internal: config buffer is not 8-byte aligned");
    const auto* system = static_cast<const bh_system_config*>(data);
    BH_TRY(check_header(system->signature, BH_SYSTEM_SIGNATURE, system->revision, system->total_size, size,
                        diag));

    const bh_cell_desc& root = system->root_cell;
    size_t root_available = size - offsetof(bh_system_config, root_cell);
    if (!bytes_equal(root.signature, BH_CELL_SIGNATURE, BH_SIGNATURE_LEN))
        return diag.fail(Errc::inval, "root_cell.signature: expected \"{}\", found \"{}\"", BH_CELL_SIGNATURE,
                         SignatureText(root.signature).text);
    if (root.revision != BH_CONFIG_REVISION)
        return diag.fail(Errc::inval, "root_cell.revision: expected {}, found {}", BH_CONFIG_REVISION,
                         root.revision);
    if (root.total_size != root_available)
        return diag.fail(Errc::inval, "root_cell.total_size: header says {} bytes, but {} follow",
                         root.total_size, root_available);

    SystemView view;
    view.system_ = system;
    view.root_ = BH_TRY(parse_cell_arrays(&root, root_available, diag));
    return view;
}

Result<void> validate_cell(const CellView& cell, bool is_root, const Limits& limits, Diagnostic& diag) {
    const bh_cell_desc& desc = cell.desc();

    size_t name_length = bounded_length(desc.name, BH_CELL_NAME_LEN);
    if (name_length == 0)
        return diag.fail(Errc::inval, "name: must not be empty");
    if (name_length == BH_CELL_NAME_LEN)
        return diag.fail(Errc::inval, "name: not NUL-terminated within {} bytes", BH_CELL_NAME_LEN);
    for (size_t i = 0; i < name_length; ++i) {
        char c = desc.name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
        if (!ok)
            return diag.fail(Errc::inval, "name: character {} of \"{}\" is not one of [A-Za-z0-9._-]", i,
                             desc.name);
    }
    if (desc.flags & ~BH_CELL_FLAGS_ALL)
        return diag.fail(Errc::inval, "flags: unknown bits {}", hex(desc.flags & ~BH_CELL_FLAGS_ALL));
    if (desc.reserved[0] != 0 || desc.reserved[1] != 0)
        return diag.fail(Errc::inval, "reserved: must be 0");
    if (desc.id != 0 && !is_root)
        return diag.fail(Errc::inval, "id: must be 0 in a config (ids are assigned at creation), found {}",
                         desc.id);

    // CPUs.
    if (cell.cpu_count() == 0)
        return diag.fail(Errc::inval, "cpu_set: empty, a cell needs at least one CPU");
    for (uint32_t cpu = limits.max_cpus; cpu < cell.cpu_capacity(); ++cpu)
        if (cell.has_cpu(cpu))
            return diag.fail(Errc::inval, "cpu_set: CPU {} is out of range (MAX_CPUS is {})", cpu,
                             limits.max_cpus);
    if (!is_root && cell.has_cpu(0))
        return diag.fail(Errc::inval, "cpu_set: CPU 0 belongs to the root cell and cannot be given to a cell");

    // Memory regions.
    auto regions = cell.memory_regions();
    uint32_t comm_regions = 0;
    for (size_t i = 0; i < regions.size(); ++i) {
        const bh_memory_region& r = regions[i];
        if (r.size == 0)
            return diag.fail(Errc::inval, "memory_regions[{}]: size is 0", i);
        if (!is_page_aligned(r.phys_start) || !is_page_aligned(r.guest_start) || !is_page_aligned(r.size))
            return diag.fail(Errc::inval,
                             "memory_regions[{}]: phys_start {}, guest_start {} and size {} must be "
                             "multiples of {} bytes",
                             i, hex(r.phys_start), hex(r.guest_start), hex(r.size), page_size);
        if (wraps(r.phys_start, r.size) || wraps(r.guest_start, r.size))
            return diag.fail(Errc::inval, "memory_regions[{}]: start plus size {} wraps around", i, hex(r.size));
        if (r.flags & ~BH_MEM_FLAGS_ALL)
            return diag.fail(Errc::inval, "memory_regions[{}]: unknown flags {}", i,
                             hex(r.flags & ~BH_MEM_FLAGS_ALL));
        if (is_root && r.phys_start != r.guest_start)
            return diag.fail(Errc::inval,
                             "memory_regions[{}]: the root cell is mapped 1:1, but phys_start {} != "
                             "guest_start {}",
                             i, hex(r.phys_start), hex(r.guest_start));
        if (r.flags & BH_MEM_COMM_REGION) {
            if (++comm_regions > 1)
                return diag.fail(Errc::inval, "memory_regions[{}]: a second communication region", i);
            if (r.size != page_size)
                return diag.fail(Errc::inval, "memory_regions[{}]: a communication region is one page, not {}",
                                 i, hex(r.size));
        }
        for (size_t j = 0; j < i; ++j) {
            const bh_memory_region& q = regions[j];
            if (Interval{r.phys_start, r.size}.overlaps({q.phys_start, q.size}))
                return diag.fail(Errc::inval,
                                 "memory_regions[{}]: host-physical [{}, +{}) overlaps memory_regions[{}] "
                                 "[{}, +{})",
                                 i, hex(r.phys_start), hex(r.size), j, hex(q.phys_start), hex(q.size));
            if (Interval{r.guest_start, r.size}.overlaps({q.guest_start, q.size}))
                return diag.fail(Errc::inval,
                                 "memory_regions[{}]: guest-physical [{}, +{}) overlaps memory_regions[{}] "
                                 "[{}, +{})",
                                 i, hex(r.guest_start), hex(r.size), j, hex(q.guest_start), hex(q.size));
        }
    }

    // Interrupt controllers.
    auto irqchips = cell.irqchips();
    for (size_t i = 0; i < irqchips.size(); ++i) {
        if (irqchips[i].address == 0 || !is_page_aligned(irqchips[i].address))
            return diag.fail(Errc::inval, "irqchips[{}]: address {} is not a page-aligned MMIO address", i,
                             hex(irqchips[i].address));
        for (size_t j = 0; j < i; ++j)
            if (irqchips[j].address == irqchips[i].address)
                return diag.fail(Errc::inval, "irqchips[{}]: address {} listed twice (also irqchips[{}])", i,
                                 hex(irqchips[i].address), j);
    }

    // Port I/O.
    auto pio = cell.pio_ranges();
    for (size_t i = 0; i < pio.size(); ++i) {
        const bh_pio_range& p = pio[i];
        if (p.length == 0)
            return diag.fail(Errc::inval, "pio_ranges[{}]: length is 0", i);
        if (static_cast<uint32_t>(p.base) + p.length > 0x10000)
            return diag.fail(Errc::inval, "pio_ranges[{}]: ports {} + {} run past 0xffff", i, hex(p.base),
                             p.length);
        if (p.reserved != 0)
            return diag.fail(Errc::inval, "pio_ranges[{}]: reserved must be 0", i);
        // The root's ranges may span them (they stay intercepted); a cell
        // asking for them asks for every device's configuration.
        if (!is_root && Interval{p.base, p.length}.overlaps({0xcf8, 8}))
            return diag.fail(Errc::inval,
                             "pio_ranges[{}]: ports [{}, +{}) include the PCI configuration ports 0xcf8-0xcff, "
                             "which only the hypervisor accesses (list the cell's pci_devices instead)",
                             i, hex(p.base), p.length);
        for (size_t j = 0; j < i; ++j)
            if (Interval{p.base, p.length}.overlaps({pio[j].base, pio[j].length}))
                return diag.fail(Errc::inval, "pio_ranges[{}]: ports [{}, +{}) overlap pio_ranges[{}]", i,
                                 hex(p.base), p.length, j);
    }

    // PCI devices.
    auto pci = cell.pci_devices();
    for (size_t i = 0; i < pci.size(); ++i) {
        const bh_pci_device& d = pci[i];
        if (d.type != BH_PCI_TYPE_DEVICE && d.type != BH_PCI_TYPE_BRIDGE)
            return diag.fail(Errc::inval, "pci_devices[{}]: unknown type {}", i, d.type);
        if (d.reserved[0] || d.reserved[1] || d.reserved[2])
            return diag.fail(Errc::inval, "pci_devices[{}]: reserved must be 0", i);
        for (size_t j = 0; j < i; ++j)
            if (pci[j].domain == d.domain && pci[j].bdf == d.bdf)
                return diag.fail(Errc::inval, "pci_devices[{}]: {}:{} listed twice (also pci_devices[{}])", i,
                                 hex(d.domain), hex(d.bdf), j);
    }

    // Channels.
    auto channels = cell.channels();
    for (size_t i = 0; i < channels.size(); ++i) {
        const bh_channel& c = channels[i];
        size_t peer_length = bounded_length(c.peer, BH_CELL_NAME_LEN);
        if (peer_length == 0 || peer_length == BH_CELL_NAME_LEN)
            return diag.fail(Errc::inval, "channels[{}]: peer must be a NUL-terminated cell name", i);
        if (names_equal(c.peer, desc.name))
            return diag.fail(Errc::inval, "channels[{}]: peer \"{}\" is the cell itself", i, c.peer);
        if (c.size == 0 || !is_page_aligned(c.phys_start) || !is_page_aligned(c.guest_start) ||
            !is_page_aligned(c.size))
            return diag.fail(Errc::inval,
                             "channels[{}]: phys_start {}, guest_start {} and size {} must be non-zero "
                             "multiples of {} bytes",
                             i, hex(c.phys_start), hex(c.guest_start), hex(c.size), page_size);
        if (wraps(c.phys_start, c.size) || wraps(c.guest_start, c.size))
            return diag.fail(Errc::inval, "channels[{}]: start plus size {} wraps around", i, hex(c.size));
        // The hypervisor maps the root's channels 1:1, like all its memory
        // (and, with the guest-range check below, outside its RAM regions).
        if (is_root && c.phys_start != c.guest_start)
            return diag.fail(Errc::inval,
                             "channels[{}]: the root cell is mapped 1:1, but phys_start {} != guest_start {}", i,
                             hex(c.phys_start), hex(c.guest_start));
        if (c.slot_size != 0) {
            if (!is_power_of_two(c.slot_size) || c.slot_size < channel_slot_min)
                return diag.fail(Errc::inval, "channels[{}]: slot_size {} is not a power of two >= {}", i,
                                 c.slot_size, channel_slot_min);
            // The slot must leave room for the channel and slot headers.
            if (c.slot_size > c.size / 2)
                return diag.fail(Errc::inval, "channels[{}]: slot_size {} does not fit twice into size {}", i,
                                 c.slot_size, hex(c.size));
        }
        for (size_t j = 0; j < i; ++j) {
            if (channels[j].id == c.id)
                return diag.fail(Errc::inval, "channels[{}]: id {} used twice (also channels[{}])", i, c.id, j);
            if (Interval{c.guest_start, c.size}.overlaps({channels[j].guest_start, channels[j].size}))
                return diag.fail(Errc::inval, "channels[{}]: guest-physical [{}, +{}) overlaps channels[{}]", i,
                                 hex(c.guest_start), hex(c.size), j);
        }
        for (size_t j = 0; j < regions.size(); ++j)
            if (Interval{c.guest_start, c.size}.overlaps({regions[j].guest_start, regions[j].size}))
                return diag.fail(Errc::inval,
                                 "channels[{}]: guest-physical [{}, +{}) overlaps memory_regions[{}]", i,
                                 hex(c.guest_start), hex(c.size), j);
    }
    return success();
}

Result<void> validate_system(const SystemView& view, const Limits& limits, Diagnostic& diag) {
    const bh_system_config& sys = view.system();
    const bh_platform_info& platform = sys.platform;

    if (sys.flags & ~BH_SYS_FLAGS_ALL)
        return diag.fail(Errc::inval, "flags: unknown bits {}", hex(sys.flags & ~BH_SYS_FLAGS_ALL));
    if (sys.reserved != 0 || platform.reserved0 != 0 || platform.reserved1 != 0)
        return diag.fail(Errc::inval, "reserved: must be 0");

    // Platform RAM: everything else is checked against it.
    if (platform.num_ram_ranges == 0 || platform.num_ram_ranges > BH_MAX_RAM_RANGES)
        return diag.fail(Errc::inval, "platform.num_ram_ranges: {} is not between 1 and {}",
                         platform.num_ram_ranges, BH_MAX_RAM_RANGES);
    for (uint32_t i = 0; i < platform.num_ram_ranges; ++i) {
        const bh_ram_range& r = platform.ram[i];
        if (r.size == 0 || !is_page_aligned(r.start) || !is_page_aligned(r.size) || wraps(r.start, r.size))
            return diag.fail(Errc::inval,
                             "platform.ram[{}]: start {} and size {} must be non-zero page multiples", i,
                             hex(r.start), hex(r.size));
        for (uint32_t j = 0; j < i; ++j)
            if (Interval{r.start, r.size}.overlaps({platform.ram[j].start, platform.ram[j].size}))
                return diag.fail(Errc::inval, "platform.ram[{}]: [{}, +{}) overlaps platform.ram[{}]", i,
                                 hex(r.start), hex(r.size), j);
    }
    if (platform.apic_mode > BH_APIC_MODE_X2APIC)
        return diag.fail(Errc::inval, "platform.apic_mode: unknown mode {}", platform.apic_mode);

    // Hypervisor memory.
    const bh_memory_region& hv = sys.hypervisor_memory;
    if (hv.size < hypervisor_memory_min || !is_page_aligned(hv.phys_start) || !is_page_aligned(hv.size) ||
        wraps(hv.phys_start, hv.size))
        return diag.fail(Errc::inval,
                         "hypervisor_memory: phys_start {} and size {} must be page aligned, size at least {}",
                         hex(hv.phys_start), hex(hv.size), hex(hypervisor_memory_min));
    if (hv.guest_start != 0 || hv.flags != 0)
        return diag.fail(Errc::inval, "hypervisor_memory: guest_start and flags must be 0");
    if (!within_ram(platform, {hv.phys_start, hv.size}))
        return diag.fail(Errc::inval, "hypervisor_memory: [{}, +{}) is outside RAM (platform.ram)",
                         hex(hv.phys_start), hex(hv.size));

    // Debug console.
    const bh_debug_console& console = sys.debug_console;
    if (console.type > BH_CONSOLE_UART_MMIO)
        return diag.fail(Errc::inval, "debug_console.type: unknown type {}", console.type);
    if (console.type == BH_CONSOLE_UART_PIO && console.address > 0xfff8)
        return diag.fail(Errc::inval, "debug_console.address: port {} is beyond the I/O space",
                         hex(console.address));

    // The root cell.
    diag.set_context("root_cell");
    const CellView& root = view.root();
    BH_TRY(validate_cell(root, true, limits, diag));
    if (!root.has_cpu(0))
        return diag.fail(Errc::inval, "cpu_set: must contain CPU 0 (the CPU Linux boots on)");
    if (root.desc().cpu_reset_address != 0)
        return diag.fail(Errc::inval, "cpu_reset_address: must be 0, the root cell is never reset");
    auto regions = root.memory_regions();
    for (size_t i = 0; i < regions.size(); ++i) {
        Interval r{regions[i].phys_start, regions[i].size};
        if (r.overlaps({hv.phys_start, hv.size}))
            return diag.fail(Errc::inval, "memory_regions[{}]: [{}, +{}) overlaps hypervisor memory [{}, +{})",
                             i, hex(r.start), hex(r.size), hex(hv.phys_start), hex(hv.size));
        bool io = regions[i].flags & BH_MEM_IO;
        if (!io && !within_ram(platform, r))
            return diag.fail(Errc::inval, "memory_regions[{}]: RAM region [{}, +{}) is outside RAM", i,
                             hex(r.start), hex(r.size));
        if (io && overlaps_ram(platform, r))
            return diag.fail(Errc::inval, "memory_regions[{}]: I/O region [{}, +{}) overlaps RAM", i,
                             hex(r.start), hex(r.size));
    }
    auto channels = root.channels();
    for (size_t i = 0; i < channels.size(); ++i) {
        Interval c{channels[i].phys_start, channels[i].size};
        if (c.overlaps({hv.phys_start, hv.size}) || !within_ram(platform, c))
            return diag.fail(Errc::inval, "channels[{}]: [{}, +{}) must be RAM outside hypervisor memory", i,
                             hex(c.start), hex(c.size));
    }
    diag.set_context(nullptr);
    return success();
}

Result<void> validate_channel_peers(const CellView& cell, const CellView* const* cells, size_t cell_count,
                                    PeerPolicy policy, Diagnostic& diag) {
    auto channels = cell.channels();
    for (size_t i = 0; i < channels.size(); ++i) {
        const bh_channel& c = channels[i];
        const CellView* peer = nullptr;
        for (size_t k = 0; k < cell_count; ++k)
            if (names_equal(cells[k]->name(), c.peer))
                peer = cells[k];
        if (peer == nullptr) {
            if (policy == PeerPolicy::must_exist)
                return diag.fail(Errc::noent, "channels[{}]: peer cell \"{}\" does not exist", i, c.peer);
            continue;
        }
        const bh_channel* match = nullptr;
        for (const bh_channel& pc : peer->channels())
            if (pc.id == c.id)
                match = &pc;
        if (match == nullptr)
            return diag.fail(Errc::noent, "channels[{}]: peer \"{}\" declares no channel with id {}", i, c.peer,
                             c.id);
        if (!names_equal(match->peer, cell.name()))
            return diag.fail(Errc::inval, "channels[{}]: peer \"{}\" names \"{}\" as its end of channel {}", i,
                             c.peer, match->peer, c.id);
        if (match->phys_start != c.phys_start || match->size != c.size || match->slot_size != c.slot_size)
            return diag.fail(Errc::inval,
                             "channels[{}]: region [{}, +{}) slot_size {} differs from peer \"{}\" "
                             "([{}, +{}) slot_size {})",
                             i, hex(c.phys_start), hex(c.size), c.slot_size, c.peer, hex(match->phys_start),
                             hex(match->size), match->slot_size);
    }
    return success();
}

Result<void> validate_cell_in_system(const SystemView& system, const CellView& cell, Span<const CellView> others,
                                     PeerPolicy peers, Diagnostic& diag) {
    const bh_system_config& sys = system.system();
    const CellView& root = system.root();
    Interval hv{sys.hypervisor_memory.phys_start, sys.hypervisor_memory.size};

    if (names_equal(cell.name(), root.name()))
        return diag.fail(Errc::exist, "name: \"{}\" is the root cell's name", cell.name());
    for (const CellView& other : others)
        if (names_equal(cell.name(), other.name()))
            return diag.fail(Errc::exist, "name: a cell named \"{}\" already exists", cell.name());

    for (uint32_t cpu = 0; cpu < cell.cpu_capacity(); ++cpu) {
        if (!cell.has_cpu(cpu))
            continue;
        if (!root.has_cpu(cpu))
            return diag.fail(Errc::inval, "cpu_set: CPU {} is not one of the system's CPUs (root cell's cpu_set)",
                             cpu);
        for (const CellView& other : others)
            if (other.has_cpu(cpu))
                return diag.fail(Errc::busy, "cpu_set: CPU {} is already used by cell \"{}\"", cpu, other.name());
    }

    auto check_range = [&](const char* what, size_t i, Interval r, bool io) -> Result<void> {
        if (r.overlaps(hv))
            return diag.fail(Errc::inval, "{}[{}]: [{}, +{}) overlaps hypervisor memory [{}, +{})", what, i,
                             hex(r.start), hex(r.size), hex(hv.start), hex(hv.size));
        if (!io && !within_ram(sys.platform, r))
            return diag.fail(Errc::inval, "{}[{}]: RAM region [{}, +{}) is outside RAM", what, i, hex(r.start),
                             hex(r.size));
        return success();
    };

    auto regions = cell.memory_regions();
    for (size_t i = 0; i < regions.size(); ++i) {
        Interval r{regions[i].phys_start, regions[i].size};
        BH_TRY(check_range("memory_regions", i, r, regions[i].flags & BH_MEM_IO));
        for (const CellView& other : others) {
            for (const bh_memory_region& o : other.memory_regions())
                if (r.overlaps({o.phys_start, o.size}))
                    return diag.fail(Errc::busy,
                                     "memory_regions[{}]: [{}, +{}) overlaps memory of cell \"{}\" [{}, +{})", i,
                                     hex(r.start), hex(r.size), other.name(), hex(o.phys_start), hex(o.size));
            for (const bh_channel& o : other.channels())
                if (r.overlaps({o.phys_start, o.size}))
                    return diag.fail(Errc::busy, "memory_regions[{}]: [{}, +{}) overlaps channel {} of cell \"{}\"",
                                     i, hex(r.start), hex(r.size), o.id, other.name());
        }
    }

    // A channel region is shared with the peer only: never memory of the
    // root or of another cell, nor part of a different channel (the peer's
    // end of the same channel names the same id and region).
    auto same_channel = [](const bh_channel& a, const bh_channel& b) {
        return a.id == b.id && a.phys_start == b.phys_start && a.size == b.size;
    };
    auto channels = cell.channels();
    for (size_t i = 0; i < channels.size(); ++i) {
        const bh_channel& c = channels[i];
        Interval ci{c.phys_start, c.size};
        BH_TRY(check_range("channels", i, ci, false));
        auto root_regions = root.memory_regions();
        for (size_t j = 0; j < root_regions.size(); ++j)
            if (ci.overlaps({root_regions[j].phys_start, root_regions[j].size}))
                return diag.fail(Errc::inval, "channels[{}]: [{}, +{}) overlaps the root cell's memory_regions[{}]",
                                 i, hex(ci.start), hex(ci.size), j);
        for (const bh_channel& o : root.channels())
            if (ci.overlaps({o.phys_start, o.size}) && !same_channel(c, o))
                return diag.fail(Errc::busy, "channels[{}]: [{}, +{}) overlaps channel {} of the root cell", i,
                                 hex(ci.start), hex(ci.size), o.id);
        for (const CellView& other : others) {
            for (const bh_memory_region& o : other.memory_regions())
                if (ci.overlaps({o.phys_start, o.size}))
                    return diag.fail(Errc::busy, "channels[{}]: [{}, +{}) overlaps memory of cell \"{}\"", i,
                                     hex(ci.start), hex(ci.size), other.name());
            for (const bh_channel& o : other.channels())
                if (ci.overlaps({o.phys_start, o.size}) && !same_channel(c, o))
                    return diag.fail(Errc::busy, "channels[{}]: [{}, +{}) overlaps channel {} of cell \"{}\"", i,
                                     hex(ci.start), hex(ci.size), o.id, other.name());
        }
    }

    for (size_t i = 0; i < cell.pio_ranges().size(); ++i) {
        const bh_pio_range& p = cell.pio_ranges()[i];
        if (sys.debug_console.type == BH_CONSOLE_UART_PIO &&
            Interval{p.base, p.length}.overlaps({sys.debug_console.address, 8}))
            return diag.fail(Errc::inval, "pio_ranges[{}]: ports [{}, +{}) include the hypervisor's console UART {}",
                             i, hex(p.base), p.length, hex(sys.debug_console.address));
        for (const CellView& other : others)
            for (const bh_pio_range& o : other.pio_ranges())
                if (Interval{p.base, p.length}.overlaps({o.base, o.length}))
                    return diag.fail(Errc::busy, "pio_ranges[{}]: ports [{}, +{}) already belong to cell \"{}\"", i,
                                     hex(p.base), p.length, other.name());
    }
    for (size_t i = 0; i < cell.pci_devices().size(); ++i) {
        const bh_pci_device& d = cell.pci_devices()[i];
        if (d.domain != 0)
            return diag.fail(Errc::inval, "pci_devices[{}]: domain {}: only PCI domain 0 can be given to a cell", i,
                             hex(d.domain));
        if (d.type != BH_PCI_TYPE_DEVICE)
            return diag.fail(Errc::inval, "pci_devices[{}]: {}:{} is a bridge: bridges stay with the root cell", i,
                             hex(d.domain), hex(d.bdf));
        if (int channel = channel_device::channel_of(d.bdf, static_cast<uint32_t>(cell.channels().size()));
            channel >= 0)
            return diag.fail(Errc::inval,
                             "pci_devices[{}]: {}:{} is where the cell sees the device of its channels[{}]", i,
                             hex(d.domain), hex(d.bdf), channel);
        bool root_has = false;
        for (const bh_pci_device& r : root.pci_devices())
            root_has = root_has || (r.domain == d.domain && r.bdf == d.bdf);
        if (!root_has)
            return diag.fail(Errc::inval, "pci_devices[{}]: {}:{} is not a device of the root cell's pci_devices", i,
                             hex(d.domain), hex(d.bdf));
        for (const CellView& other : others)
            for (const bh_pci_device& o : other.pci_devices())
                if (o.domain == d.domain && o.bdf == d.bdf)
                    return diag.fail(Errc::busy, "pci_devices[{}]: {}:{} already belongs to cell \"{}\"", i,
                                     hex(d.domain), hex(d.bdf), other.name());
    }

    // Peers: the root and the other cells.
    const CellView* known[max_cells_checked + 1];
    size_t known_count = 0;
    known[known_count++] = &root;
    for (const CellView& other : others)
        if (known_count < sizeof(known) / sizeof(known[0]))
            known[known_count++] = &other;
    return validate_channel_peers(cell, known, known_count, peers, diag);
}

}  // namespace bh::config
