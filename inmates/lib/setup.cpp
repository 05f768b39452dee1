// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// From the boot stub to inmate_main(): environment detection, console, boot
// arguments, IDT, APIC, clocks; the other CPUs of a cell park here; and the
// end of an inmate (exit, fatal exceptions).
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/time.h>

#include "internal.h"

extern "C" {
extern const bh_inmate_header inmate_image_header;
extern uint32_t inmate_cpu_tickets;
using InitFn = void (*)();
extern InitFn __init_array_start[];
extern InitFn __init_array_end[];
[[noreturn]] void inmate_entry(uint32_t boot, uint32_t multiboot_info, uint32_t ticket);
}

namespace inmate {
namespace {

Environment environment;
char args_buffer[BH_COMM_ARGS_SIZE];
uint32_t started_cpus;
uint32_t apic_ids[INMATE_MAX_CPUS];

// Multiboot v1 information (only the fields used here).
struct MultibootInfo {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
};
constexpr uint32_t multiboot_info_cmdline = 1u << 2;

void copy_args(const volatile char* src) {
    size_t i = 0;
    for (; i + 1 < sizeof(args_buffer) && src[i] != '\0'; ++i)
        args_buffer[i] = src[i];
    args_buffer[i] = '\0';
    environment.args = args_buffer;
}

// The CPU's initial APIC id: CPUID leaf 0xb (32 bits, x2APIC) where it
// exists, else leaf 1 EBX[31:24].
uint32_t initial_apic_id() {
    if (x86::cpuid(0).eax >= 0xb && x86::cpuid(0xb).ebx != 0)
        return x86::cpuid(0xb).edx;
    return x86::cpuid(1).ebx >> 24;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The multiboot command line starts with the kernel's own name ("QEMU
// -kernel FILE -append ARGS" passes "FILE ARGS"; GRUB does the same).
void multiboot_args(uint32_t info_address) {
    if (info_address == 0)
        return;
    const MultibootInfo* info = reinterpret_cast<const MultibootInfo*>(static_cast<uintptr_t>(info_address));
    if (!(info->flags & multiboot_info_cmdline) || info->cmdline == 0)
        return;
    const char* s = reinterpret_cast<const char*>(static_cast<uintptr_t>(info->cmdline));
    while (*s != '\0' && !is_space(*s))
        ++s;
    while (is_space(*s))
        ++s;
    copy_args(s);
}

void detect() {
    x86::Cpuid vendor = x86::cpuid(0);
    // VMCALL on Intel (VMX), VMMCALL everywhere else (AMD, Hygon: SVM).
    bool intel = vendor.ebx == 0x756e6547 && vendor.edx == 0x49656e69 && vendor.ecx == 0x6c65746e;  // GenuineIntel
    environment.amd = !intel;
    if (x86::cpuid(1).ecx & x86::cpuid1_ecx_hypervisor) {
        x86::Cpuid sig = x86::cpuid(BH_CPUID_LEAF);
        environment.in_cell = sig.ebx == BH_CPUID_SIG_EBX && sig.ecx == BH_CPUID_SIG_ECX && sig.edx == BH_CPUID_SIG_EDX;
    }
}

const char* boot_name(Boot b) {
    switch (b) {
    case Boot::cell:
        return "cell reset entry";
    case Boot::multiboot:
        return "multiboot";
    case Boot::unknown_loader:
        return "multiboot entry without magic";
    default:
        return "secondary";
    }
}

void comm_init() {
    if (!environment.in_cell)
        return;
    volatile bh_comm_page* comm =
        reinterpret_cast<volatile bh_comm_page*>(static_cast<uintptr_t>(inmate_image_header.comm_page));
    if (memcmp(const_cast<const char*>(comm->signature), BH_COMM_SIGNATURE, 8) != 0 ||
        comm->revision != BH_COMM_REVISION) {
        print("inmate: no communication page (signature/revision) at {}: running without\n",
              bh::hex(inmate_image_header.comm_page));
        return;
    }
    environment.comm = comm;
    environment.cell_id = comm->cell_id;
    environment.num_cpus = comm->num_cpus;
    copy_args(comm->args);
    comm->cell_state = BH_CELL_STATE_RUNNING;
}

// Bare PCs boot with the 8259 PICs delivering the PIT's IRQ 0 at vector 8
// through LINT0 (virtual wire). Move them off the exception vectors (0x30,
// 0x38) and mask every line; their spurious IRQ 7/15 then arrive as 0x37/0x3f.
void legacy_pic_off() {
    x86::outb(0x20, 0x11);  // ICW1: edge, cascade, ICW4 follows
    x86::outb(0xa0, 0x11);
    x86::outb(0x21, 0x30);  // ICW2: vector base
    x86::outb(0xa1, 0x38);
    x86::outb(0x21, 0x04);  // ICW3: slave on IRQ 2
    x86::outb(0xa1, 0x02);
    x86::outb(0x21, 0x01);  // ICW4: 8086 mode
    x86::outb(0xa1, 0x01);
    x86::outb(0x21, 0xff);  // mask all
    x86::outb(0xa1, 0xff);
}

void ignore_interrupt(Frame&) {}

[[noreturn]] void secondary_main() {
    idt_load();
    // The APIC driver's state belongs to the boot CPU: take the initial
    // APIC id from CPUID instead.
    uint32_t id = initial_apic_id();
    while (__atomic_load_n(&started_cpus, __ATOMIC_ACQUIRE) == 0)  // index 0 is the boot CPU's
        x86::pause();
    uint32_t index = __atomic_fetch_add(&started_cpus, 1, __ATOMIC_ACQ_REL);
    if (index < INMATE_MAX_CPUS)
        __atomic_store_n(&apic_ids[index], id, __ATOMIC_RELEASE);
    // Demos need only the boot CPU: the others stay here, with an IDT, so
    // that anything unexpected (an NMI) is reported, not a triple fault.
    x86::halt_forever();
}

}  // namespace

const Environment& env() { return environment; }
const bh_inmate_header& image_header() { return inmate_image_header; }
uint32_t cpus_started() { return __atomic_load_n(&started_cpus, __ATOMIC_ACQUIRE); }
uint32_t cpu_apic_id(uint32_t index) {
    return index < INMATE_MAX_CPUS ? __atomic_load_n(&apic_ids[index], __ATOMIC_ACQUIRE) : ~0u;
}

void comm_set_state(uint32_t state) {
    if (environment.comm != nullptr) {
        x86::mfence();
        environment.comm->cell_state = state;
    }
}

[[noreturn]] void fatal_halt() {
    console_write_unlocked("inmate: halted\n", 15);
    console_flush();
    comm_set_state(BH_CELL_STATE_FAILED);
    x86::halt_forever();
}

[[noreturn]] void exit(int code) {
    x86::cli();
    apic::timer_stop();
    print("inmate: exit {}\n", code);
    console_flush();
    comm_set_state(code == 0 ? BH_CELL_STATE_SHUT_DOWN : BH_CELL_STATE_FAILED);
    x86::halt_forever();
}

// --- formatting helpers ---------------------------------------------------------

namespace {
Field pad_left(const char* digits, size_t n, unsigned width, char fill = ' ') {
    Field f{};
    size_t cap = sizeof(f.text) - 1;
    size_t pad = width > n ? width - n : 0;
    if (pad + n > cap)
        pad = cap > n ? cap - n : 0;
    size_t o = 0;
    for (size_t i = 0; i < pad; ++i)
        f.text[o++] = fill;
    for (size_t i = 0; i < n && o < cap; ++i)
        f.text[o++] = digits[i];
    f.text[o] = '\0';
    return f;
}

size_t to_digits(uint64_t v, unsigned base, char* out) {
    char tmp[24];
    size_t n = 0;
    do {
        unsigned d = static_cast<unsigned>(v % base);
        tmp[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    for (size_t i = 0; i < n; ++i)
        out[i] = tmp[n - 1 - i];
    return n;
}
}  // namespace

Field dec(uint64_t value, unsigned width) {
    char d[24];
    return pad_left(d, to_digits(value, 10, d), width);
}

Field sdec(int64_t value, unsigned width) {
    char d[25];
    size_t n = 0;
    uint64_t magnitude = static_cast<uint64_t>(value);
    if (value < 0) {
        d[n++] = '-';
        magnitude = ~magnitude + 1;
    }
    n += to_digits(magnitude, 10, d + n);
    return pad_left(d, n, width);
}

Field hex_pad(uint64_t value, unsigned digits) {
    char d[24];
    size_t n = to_digits(value, 16, d);
    Field z = pad_left(d, n, digits, '0');
    Field f{};
    f.text[0] = '0';
    f.text[1] = 'x';
    size_t i = 0;
    for (; z.text[i] != '\0' && i + 3 < sizeof(f.text); ++i)
        f.text[i + 2] = z.text[i];
    f.text[i + 2] = '\0';
    return f;
}

Field frac(uint64_t value, uint64_t divisor, unsigned decimals) {
    char d[48];
    size_t n = to_digits(value / divisor, 10, d);
    if (decimals > 0 && n + 1 + decimals < sizeof(d)) {
        d[n++] = '.';
        uint64_t rest = value % divisor;
        for (unsigned i = 0; i < decimals; ++i) {
            rest *= 10;
            d[n++] = static_cast<char>('0' + rest / divisor);
            rest %= divisor;
        }
    }
    return pad_left(d, n, 0);
}

Field left(const char* s, unsigned width) {
    Field f{};
    size_t cap = sizeof(f.text) - 1, o = 0;
    for (; s[o] != '\0' && o < cap; ++o)
        f.text[o] = s[o];
    for (; o < width && o < cap; ++o)
        f.text[o] = ' ';
    f.text[o] = '\0';
    return f;
}

Field right(const char* s, unsigned width) { return pad_left(s, strlen(s), width); }

// --- boot arguments ---------------------------------------------------------------

bool str_equal(bh::Str a, const char* b) {
    size_t n = strlen(b);
    return a.size == n && memcmp(a.data, b, n) == 0;
}

bh::Str arg_word(size_t index) {
    const char* s = environment.args;
    for (size_t i = 0;; ++i) {
        while (is_space(*s))
            ++s;
        if (*s == '\0')
            return bh::Str("", 0);
        const char* start = s;
        while (*s != '\0' && !is_space(*s))
            ++s;
        if (i == index)
            return bh::Str(start, static_cast<size_t>(s - start));
    }
}

bool arg_flag(const char* word) {
    for (size_t i = 0;; ++i) {
        bh::Str w = arg_word(i);
        if (w.size == 0)
            return false;
        if (str_equal(w, word))
            return true;
    }
}

bool arg_value(const char* key, bh::Str& value) {
    size_t k = strlen(key);
    for (size_t i = 0;; ++i) {
        bh::Str w = arg_word(i);
        if (w.size == 0)
            return false;
        if (w.size > k && w.data[k] == '=' && memcmp(w.data, key, k) == 0) {
            value = bh::Str(w.data + k + 1, w.size - k - 1);
            return true;
        }
    }
}

uint64_t arg_u64(const char* key, uint64_t fallback) {
    bh::Str v;
    uint64_t result = fallback;
    if (arg_value(key, v))
        (void)bh::parse_u64(v, result);
    return result;
}

}  // namespace inmate

extern "C" [[noreturn]] void inmate_entry(uint32_t boot, uint32_t multiboot_info, uint32_t /* ticket */) {
    using namespace inmate;
    if (boot == INMATE_BOOT_SECONDARY)
        secondary_main();

    for (InitFn* f = __init_array_start; f != __init_array_end; ++f)
        (*f)();
    environment.boot = static_cast<Boot>(boot);
    idt_init();
    detect();
    console_init(environment.in_cell);
    if (!environment.in_cell)
        console_write("\n", 1);  // the firmware's last line may lack its newline
    if (environment.in_cell)
        comm_init();
    else
        multiboot_args(multiboot_info);
    // A UART of the cell's own (its config gives it the ports).
    if (uint64_t port = arg_u64("uart", 0); port != 0 && port <= 0xfff8)
        console_use_uart(static_cast<uint16_t>(port));
    apic_ids[0] = initial_apic_id();
    __atomic_add_fetch(&started_cpus, 1, __ATOMIC_RELEASE);
    if (!environment.in_cell) {
        legacy_pic_off();
        irq_set_handler(0x37, ignore_interrupt);
        irq_set_handler(0x3f, ignore_interrupt);
    }

    apic::Mode mode = apic::init();
    if (arg_flag("apic=x2apic")) {
        if (environment.in_cell)
            print("inmate: apic=x2apic ignored in a cell: the hypervisor chose the APIC mode\n");
        else if (apic::enable_x2apic() != apic::Mode::x2apic)
            print("inmate: apic=x2apic: this CPU has no x2APIC, staying in {}\n", apic::mode_name());
        mode = apic::mode();
    }
    time::init();

    // Give the other CPUs of the cell a moment to check in (they start with
    // us, so 100 ms is plenty even under emulation).
    if (environment.in_cell && environment.num_cpus > 1) {
        uint64_t until = time::now() + time::ns_to_tsc(100000000);
        while (cpus_started() < environment.num_cpus && time::now() < until)
            x86::pause();
    }

    if (environment.in_cell)
        print("inmate: booted in bulkhead cell {} ({}), {} of {} CPUs started\n", environment.cell_id,
              boot_name(environment.boot), cpus_started(), environment.num_cpus);
    else
        print("inmate: booted bare ({}), image {}..{}\n", boot_name(environment.boot),
              bh::hex(inmate_image_header.load_address),
              bh::hex(inmate_image_header.load_address + inmate_image_header.memory_size));
    print("inmate: console {}, APIC {} id {}, TSC {} kHz ({}), APIC timer {} kHz ({}){}\n", console_name(),
          apic::mode_name(mode), apic::id(), time::tsc_khz(), time::tsc_source(), apic::timer_khz(),
          time::apic_source(), apic::tsc_deadline_supported() ? ", TSC deadline" : "");
    print("inmate: args \"{}\"\n", environment.args);

    exit(inmate_main());
}
