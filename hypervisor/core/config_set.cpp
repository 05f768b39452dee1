// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
//
// Checking a whole set of configs together (the CLI's `config check`).
// Host-only: it keeps views of every config on the stack.
#include "config_validator.h"

namespace bh::config {

Result<void> validate_set(Span<const Blob> blobs, const Limits& limits, Diagnostic& diag, PeerPolicy peers) {
    constexpr size_t max_blobs = max_cells_checked;
    if (blobs.empty())
        return diag.fail(Errc::inval, "no configs given");
    if (blobs.size() > max_blobs)
        return diag.fail(Errc::too_big, "{} configs given, at most {} can be checked together", blobs.size(),
                         max_blobs);

    SystemView system;
    bool have_system = false;
    CellView cells[max_blobs];
    size_t cell_count = 0;

    for (size_t i = 0; i < blobs.size(); ++i) {
        const Blob& blob = blobs[i];
        diag.set_context(blob.origin);
        switch (classify(blob.data, blob.size)) {
        case BlobKind::system:
            if (i != 0)
                return diag.fail(Errc::inval, "a system config must come first, and only once");
            system = BH_TRY(parse_system(blob.data, blob.size, diag));
            BH_TRY(validate_system(system, limits, diag));
            have_system = true;
            break;
        case BlobKind::cell: {
            CellView cell = BH_TRY(parse_cell(blob.data, blob.size, diag));
            BH_TRY(validate_cell(cell, false, limits, diag));
            if (have_system)
                BH_TRY(validate_cell_in_system(system, cell, Span<const CellView>(cells, cell_count),
                                               PeerPolicy::may_be_absent, diag));
            cells[cell_count++] = cell;
            break;
        }
        case BlobKind::unknown:
        {
            // Printable form of whatever the first 8 bytes are.
            char found[BH_SIGNATURE_LEN + 1] = {};
            const char* raw = static_cast<const char*>(blob.data);
            for (size_t k = 0; k < BH_SIGNATURE_LEN && k < blob.size; ++k)
                found[k] = (raw[k] >= 0x20 && raw[k] < 0x7f) ? raw[k] : '?';
            return diag.fail(Errc::inval,
                             "signature: not a bulkhead config (expected \"{}\" or \"{}\", found \"{}\")",
                             BH_SYSTEM_SIGNATURE, BH_CELL_SIGNATURE, static_cast<const char*>(found));
        }
        }
    }

    // With the whole set known, every channel's peer must be in it.
    if (have_system) {
        const CellView* all[max_blobs + 1];
        size_t all_count = 0;
        all[all_count++] = &system.root();
        for (size_t i = 0; i < cell_count; ++i)
            all[all_count++] = &cells[i];
        for (size_t i = 0; i < all_count; ++i) {
            diag.set_context(all[i]->name());
            BH_TRY(validate_channel_peers(*all[i], all, all_count, peers, diag));
        }
    }
    diag.set_context(nullptr);
    return success();
}

}  // namespace bh::config
