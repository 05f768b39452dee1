// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// The one validator of bulkhead configuration blobs (include/bulkhead/config.h).
//
// It is built three times from the same source: into the hypervisor image,
// into the Linux driver (as a freestanding object linked into bulkhead.ko) and
// into the host tools. Every rule reports through a Diagnostic whose message
// names the offending field and values; every rule has a negative test under
// tests/configs/bad/.
//
// Parsing never trusts the blob: counts and sizes are checked against the
// blob's length before any array is looked at, and the views returned point
// into the caller's buffer, which must outlive them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <bh/format.h>
#include <bh/result.h>
#include <bh/span.h>
#include <bulkhead/config.h>

namespace bh::config {

// Where a refusal is explained. The message is one line, without a newline.
class Diagnostic {
public:
    Diagnostic() : sink_(text_, sizeof(text_)) {}
    Diagnostic(const Diagnostic&) = delete;
    Diagnostic& operator=(const Diagnostic&) = delete;

    // Record the first failure's explanation and return its error code, so
    // that rules read `return diag.fail(Errc::inval, "...", args...)`.
    template <typename... Args>
    Error fail(Errc code, const char* fmt, const Args&... args) {
        if (!failed_) {
            failed_ = true;
            if (context_[0] != '\0') {
                sink_.put(Str(context_));
                sink_.put(Str(": "));
            }
            sink_.format(fmt, args...);
        }
        return Error{code};
    }

    // A prefix for following messages, e.g. the cell's name or file.
    void set_context(const char* context);

    const char* message() const { return text_; }
    bool failed() const { return failed_; }

private:
    char text_[256];
    char context_[64] = {};
    TextSink sink_;
    bool failed_ = false;
};

struct Limits {
    uint32_t max_cpus;  // CPUs numbered 0 .. max_cpus - 1 may appear
};

// A validated-for-structure view of one cell descriptor and its arrays.
class CellView {
public:
    CellView() = default;

    const bh_cell_desc& desc() const { return *desc_; }
    const char* name() const { return desc_->name; }
    Span<const uint64_t> cpu_words() const { return cpu_words_; }
    Span<const bh_memory_region> memory_regions() const { return memory_; }
    Span<const bh_irqchip> irqchips() const { return irqchips_; }
    Span<const bh_pio_range> pio_ranges() const { return pio_; }
    Span<const bh_pci_device> pci_devices() const { return pci_; }
    Span<const bh_channel> channels() const { return channels_; }

    bool has_cpu(uint32_t cpu) const;
    uint32_t cpu_count() const;
    // Highest CPU number + 1 that the set could name.
    uint32_t cpu_capacity() const { return static_cast<uint32_t>(cpu_words_.size() * 64); }

private:
    friend Result<CellView> parse_cell_arrays(const bh_cell_desc*, size_t, Diagnostic&);
    const bh_cell_desc* desc_ = nullptr;
    Span<const uint64_t> cpu_words_;
    Span<const bh_memory_region> memory_;
    Span<const bh_irqchip> irqchips_;
    Span<const bh_pio_range> pio_;
    Span<const bh_pci_device> pci_;
    Span<const bh_channel> channels_;
};

class SystemView {
public:
    SystemView() = default;
    const bh_system_config& system() const { return *system_; }
    const CellView& root() const { return root_; }

private:
    friend Result<SystemView> parse_system(const void*, size_t, Diagnostic&);
    const bh_system_config* system_ = nullptr;
    CellView root_;
};

// What kind of blob this is, from its signature alone.
enum class BlobKind { system, cell, unknown };
BlobKind classify(const void* data, size_t size);

// Structure only: signature, revision, sizes, counts. After success the
// views' arrays lie within the blob.
Result<CellView> parse_cell(const void* data, size_t size, Diagnostic& diag);
Result<SystemView> parse_system(const void* data, size_t size, Diagnostic& diag);
Result<CellView> parse_cell_arrays(const bh_cell_desc* desc, size_t available, Diagnostic& diag);

// Rules a cell must satisfy on its own. The root cell may own CPU 0.
Result<void> validate_cell(const CellView& cell, bool is_root, const Limits& limits,
                           Diagnostic& diag);

// Rules of a system config, its root cell included.
Result<void> validate_system(const SystemView& system, const Limits& limits, Diagnostic& diag);

enum class PeerPolicy {
    must_exist,     // offline check of a complete set of configs
    may_be_absent,  // at run time, a peer may be created later
};

// Rules of a non-root cell within a system that already has `others`
// (non-root cells). Checks resources against the system and other cells and
// the cell's channels against their peers.
Result<void> validate_cell_in_system(const SystemView& system, const CellView& cell,
                                     Span<const CellView> others, PeerPolicy peers,
                                     Diagnostic& diag);

// Channels of `cell` against the other cells' (reciprocal ids, regions).
Result<void> validate_channel_peers(const CellView& cell, const CellView* const* cells, size_t cell_count,
                                    PeerPolicy policy, Diagnostic& diag);

// Most configs checked together; bounds stack arrays of views.
inline constexpr size_t max_cells_checked = 64;

// Everything at once, for a set of blobs where the system config, if
// present, is first (the CLI's `config check`).
struct Blob {
    const void* data;
    size_t size;
    const char* origin;  // file name for messages
};
// Host-only (config_set.cpp): its stack use suits no kernel.
// `peers`: must_exist for a complete set (`config check`); may_be_absent
// for a system config about to be enabled, whose channel peers are cells
// created later (each is checked against the root when it is created).
Result<void> validate_set(Span<const Blob> blobs, const Limits& limits, Diagnostic& diag,
                          PeerPolicy peers = PeerPolicy::must_exist);

}  // namespace bh::config
