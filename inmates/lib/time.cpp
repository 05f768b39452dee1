// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// TSC and LAPIC timer frequencies, conversions, delays and sleeping.
//
// In a cell the hypervisor publishes both frequencies in the communication
// page (a cell has no PIT). Bare, PIT channel 2 is the reference: it counts
// 1,193,182 Hz in mode 0 ("interrupt on terminal count"), its output is
// visible in bit 5 of port 0x61, so the TSC and the APIC timer are read at
// the moment the count is loaded and again when the output rises 20 ms later;
// the median of five such windows counts.
#include <inmate/apic.h>
#include <inmate/inmate.h>
#include <inmate/time.h>

namespace inmate::time {
namespace {

constexpr uint64_t pit_hz = 1193182;
constexpr uint32_t calibration_ms = 20;
constexpr unsigned calibration_runs = 5;

uint64_t tsc_khz_value;
const char* tsc_src = "none";
const char* apic_src = "none";
uint64_t apic_khz_value;
uint64_t start_tsc;
volatile bool sleep_fired;

void sleep_handler(Frame&) { sleep_fired = true; }

uint64_t median(uint64_t* v, unsigned n) {
    for (unsigned i = 1; i < n; ++i)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; --j) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

// LAPIC timer counting down from the maximum, masked, divide by 1.
void apic_free_run() {
    apic::write(apic::reg_timer_initial, 0);
    apic::write(apic::reg_timer_divide, 0xb);
    apic::write(apic::reg_lvt_timer, apic::lvt_masked | vector_sleep);
    apic::write(apic::reg_timer_initial, 0xffffffff);
}

void apic_stop() {
    apic::write(apic::reg_lvt_timer, apic::lvt_masked | vector_sleep);
    apic::write(apic::reg_timer_initial, 0);
}

uint64_t cpuid_tsc_khz() {
    if (x86::cpuid(0).eax < 0x15)
        return 0;
    x86::Cpuid c = x86::cpuid(0x15);
    if (c.eax != 0 && c.ebx != 0 && c.ecx != 0)
        return static_cast<uint64_t>(c.ecx) / 1000 * c.ebx / c.eax;
    if (x86::cpuid(0).eax >= 0x16 && (x86::cpuid(0x16).eax & 0xffff) != 0)
        return static_cast<uint64_t>(x86::cpuid(0x16).eax & 0xffff) * 1000;
    return 0;
}

}  // namespace

uint64_t pit_measure(uint32_t ms, uint64_t* apic_counts) {
    uint32_t count = static_cast<uint32_t>(pit_hz * ms / 1000);
    bool apic_on = apic_counts != nullptr && apic::mode() != apic::Mode::off;
    uint8_t saved61 = x86::inb(0x61);
    x86::outb(0x61, (saved61 & ~0x02) | 0x01);  // gate 2 on, speaker off
    x86::outb(0x43, 0xb0);  // channel 2, low then high byte, mode 0, binary
    if (apic_on)
        apic_free_run();
    x86::outb(0x42, count & 0xff);
    x86::outb(0x42, count >> 8);  // counting starts now
    uint64_t t0 = x86::rdtsc();
    uint32_t a0 = apic_on ? apic::timer_current() : 0;
    while (!(x86::inb(0x61) & 0x20))
        x86::pause();
    uint64_t t1 = x86::rdtsc();
    uint32_t a1 = apic_on ? apic::timer_current() : 0;
    x86::outb(0x61, saved61);
    if (apic_on) {
        apic_stop();
        *apic_counts = a0 - a1;
    }
    return t1 - t0;
}

void init() {
    const Environment& e = env();
    start_tsc = x86::rdtsc();
    if (e.comm != nullptr && e.comm->tsc_khz != 0) {
        tsc_khz_value = e.comm->tsc_khz;
        tsc_src = "comm page";
    }
    if (e.comm != nullptr && e.comm->apic_khz != 0) {
        apic_khz_value = e.comm->apic_khz;
        apic_src = "comm page";
    }
    if (!e.in_cell && (tsc_khz_value == 0 || apic_khz_value == 0)) {
        pit_measure(5, nullptr);  // warm up the path (TCG translates it once)
        // The median of five: one sample can be stretched or shortened by the
        // host descheduling an emulated CPU between its port reads.
        uint64_t ticks_sample[calibration_runs], apic_sample[calibration_runs];
        for (unsigned i = 0; i < calibration_runs; ++i)
            ticks_sample[i] = pit_measure(calibration_ms, &apic_sample[i]);
        uint64_t ticks = median(ticks_sample, calibration_runs);
        uint64_t apic_counts = median(apic_sample, calibration_runs);
        if (tsc_khz_value == 0) {
            tsc_khz_value = ticks / calibration_ms;
            tsc_src = "PIT";
        }
        if (apic_khz_value == 0 && apic_counts != 0) {
            apic_khz_value = apic_counts / calibration_ms;
            apic_src = "PIT";
        }
    }
    if (tsc_khz_value == 0) {
        tsc_khz_value = cpuid_tsc_khz();
        tsc_src = "CPUID 0x15/0x16";
    }
    if (tsc_khz_value == 0) {
        tsc_khz_value = 1000000;
        tsc_src = "guess (1 GHz): no source";
    }
    if (apic_khz_value == 0 && apic::mode() != apic::Mode::off) {
        // Against the TSC: a cell without apic_khz in its comm page.
        apic_free_run();
        uint32_t a0 = apic::timer_current();
        uint64_t t0 = x86::rdtsc();
        while (x86::rdtsc() - t0 < tsc_khz_value * 10)  // 10 ms
            x86::pause();
        uint32_t a1 = apic::timer_current();
        uint64_t t1 = x86::rdtsc();
        apic_stop();
        apic_khz_value = static_cast<uint64_t>(a0 - a1) * tsc_khz_value / (t1 - t0);
        apic_src = "TSC";
    }
    irq_set_handler(vector_sleep, sleep_handler);
}

uint64_t tsc_khz() { return tsc_khz_value; }
const char* tsc_source() { return tsc_src; }
const char* apic_source() { return apic_src; }

uint64_t tsc_to_ns(uint64_t t) {
    uint64_t k = tsc_khz_value;
    return t / k * 1000000 + t % k * 1000000 / k;
}

uint64_t ns_to_tsc(uint64_t ns) {
    uint64_t k = tsc_khz_value;
    return ns / 1000000 * k + ns % 1000000 * k / 1000000;
}

uint64_t now_ns() { return tsc_to_ns(x86::rdtsc() - start_tsc); }

void delay_ns(uint64_t ns) {
    uint64_t end = x86::rdtsc() + ns_to_tsc(ns);
    while (x86::rdtsc() < end)
        x86::pause();
}

void sleep_until(uint64_t deadline) {
    static const volatile uint64_t never_changes = 0;
    sleep_until_changed(deadline, never_changes, 0);
}

void sleep_until_changed(uint64_t deadline, const volatile uint64_t& counter, uint64_t seen) {
    uint64_t khz = apic::timer_khz();
    bool interrupts_were_on = x86::read_rflags() & (1u << 9);
    x86::cli();  // no wake-up lost between the check and HLT
    for (;;) {
        uint64_t now = x86::rdtsc();
        if (now >= deadline || counter != seen)
            break;
        if (khz == 0) {
            x86::pause();
            continue;
        }
        uint64_t left = deadline - now;
        // TSC ticks -> APIC counts, without overflowing for long sleeps.
        uint64_t counts = left / tsc_khz_value * khz + left % tsc_khz_value * khz / tsc_khz_value;
        if (counts == 0)
            counts = 1;
        if (counts > 0xffffffffu)
            counts = 0xffffffffu;
        sleep_fired = false;
        apic::timer_start(apic::TimerMode::oneshot, vector_sleep, static_cast<uint32_t>(counts));
        while (!sleep_fired && counter == seen)
            x86::wait_for_interrupt();
    }
    apic::timer_stop();
    if (interrupts_were_on)
        x86::sti();
}

}  // namespace inmate::time

namespace inmate::apic {
uint64_t timer_khz() { return time::apic_khz_value; }
}  // namespace inmate::apic
