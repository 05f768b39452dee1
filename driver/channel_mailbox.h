/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's C view of the portable mailbox (inmates/rtos/ipc/mailbox.cpp,
 * compiled into bulkhead.ko by driver/Kbuild's C++ rule). Non-blocking steps
 * only: the driver does its waiting, timeouts and signals itself.
 */
#ifndef BULKHEAD_CHANNEL_MAILBOX_H
#define BULKHEAD_CHANNEL_MAILBOX_H

#ifdef __cplusplus
extern "C" {
#endif

struct bh_mbox; /* one endpoint; bh_mbox_size() bytes, 8-byte aligned */

unsigned long bh_mbox_size(void);
/* Lay out an empty channel in [region, +size); 0 or -errno. */
int bh_mbox_format(void *region, unsigned long long size, unsigned int slot_size,
		   unsigned int slot_count);
/*
 * Attach m as side (0 or 1) to a formatted region; 0 or -errno. Whenever
 * the peer asked for a doorbell (its wake_on_data / wake_on_space flag)
 * and a step publishes or consumes a slot, the endpoint calls
 * bh_mbox_ring_peer(ring_ctx), which the driver provides.
 */
int bh_mbox_open(struct bh_mbox *m, void *region, unsigned long long size, unsigned int side,
		 unsigned int slot_size, unsigned int slot_count, void *ring_ctx);
void bh_mbox_ring_peer(void *ring_ctx);
/* Detach (m may be opened again afterwards). */
void bh_mbox_close(struct bh_mbox *m);
/*
 * Publish at most one slot of the transaction [data, +len): 1 when the
 * transaction is complete, 0 when a slot went out and more remain, -EAGAIN
 * when no slot is free, other -errno on errors. Call with the same data
 * until it returns 1.
 */
int bh_mbox_try_send(struct bh_mbox *m, const void *data, unsigned int len);
/*
 * Consume at most one slot into [buf, +cap): 1 when *total bytes of a whole
 * transaction are in buf, 0 after a slot of an unfinished one, -EAGAIN when
 * nothing arrived, -EMSGSIZE when the transaction is larger than cap
 * (nothing consumed), other -errno on errors.
 */
int bh_mbox_try_recv(struct bh_mbox *m, void *buf, unsigned int cap, unsigned int *total);
/* Size of the transaction arriving next or being received; -EAGAIN if none. */
long bh_mbox_next_size(struct bh_mbox *m);
/* Non-zero after the peer broke the protocol (until re-formatted). */
int bh_mbox_broken(struct bh_mbox *m);

#ifdef __cplusplus
}
#endif

#endif /* BULKHEAD_CHANNEL_MAILBOX_H */
