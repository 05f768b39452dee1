// SPDX-License-Identifier: GPL-2.0
/*
 * root_probe: the root cell tries what it must not do (tests only).
 *
 *   insmod root_probe.ko action=ACTION [cpu=N] [hv_phys=ADDR]
 *
 * ACTION:
 *   hvwrite  write the first word of hypervisor memory (hv_phys, default
 *            0x3b000000) through memremap(). Under bulkhead the hypervisor
 *            injects #GP: the insmod process oopses and nothing is written.
 *            If the write returns, init fails with -EIO.
 *   init     INIT assert, INIT de-assert and a Start-up IPI to CPU `cpu`
 *            (default 3) with apic->icr_write(), as the kernel wakes a CPU.
 *   nmi      an NMI to CPU `cpu` with apic->send_IPI(cpu, NMI_VECTOR).
 *   fixed    a fixed IPI (RESCHEDULE_VECTOR) to CPU `cpu` with apic->send_IPI().
 *            For these three, `cpu` must be offline in Linux (it is not the
 *            root cell's under the test's config). Init succeeds iff the
 *            hypervisor counted every IPI as blocked (BH_STAT_IPI_BLOCKED of
 *            the sending CPU, read with BH_HC_CPU_STATS).
 *   own      the root's own IPIs still work: a function call on every other
 *            online CPU (smp_call_function) and an NMI to each of them, seen
 *            by an NMI handler; none may count as blocked.
 *   ioapic   the IOAPIC at 0xfec00000 (the root's irqchip): on a pin Linux
 *            left unused (masked, vector 0), an unmasked entry to CPU
 *            `cpu` (physical APIC id; not the root's) must read back masked
 *            and count in BH_STAT_IOAPIC_BLOCKED; the same entry to this
 *            CPU must read back as written and not count. The pin is left
 *            masked as it was.
 *   decode   xAPIC only (prints "skipped" in x2APIC mode): the hypervisor's
 *            decoder on real code -- a TPR write by an instruction that
 *            straddles a page boundary (emulated: one xAPIC exit, TPR as
 *            written), then an XCHG with the TPR, which the decoder refuses:
 *            the hypervisor injects #GP, caught here by an exception-table
 *            fixup, and the TPR is unchanged.
 *   pcihidden  the PCI device `bdf` (default 0x28, 00:05.0), which a cell owns
 *            now: through ports 0xcf8/0xcfc it must read as absent (all ones)
 *            and ignore a write of its command register; through its ECAM
 *            page (base `ecam`, default 0xb0000000) likewise. Each access
 *            but the ECAM reads (no exit) counts in BH_STAT_PCI_HIDDEN: 4;
 *            the root's own host bridge (00:00.0) still reads as itself.
 *   msi      the root's PCI device `bdf` (default 0x28, unbound, MSI off):
 *            enabling its MSI with a message to CPU `cpu` (offline, not the
 *            root's) must be dropped, and so must moving an enabled message
 *            from this CPU to `cpu`; the same to this CPU goes through. Both
 *            drops count in BH_STAT_MSI_BLOCKED. The capability is restored.
 *
 * Init returns 0 on success (rmmod before the next action: busybox insmod
 * runs init a second time when it fails) and -EIO with a reason in the
 * kernel log on failure. Every result line starts with "root_probe: ".
 */
#define pr_fmt(fmt) "root_probe: " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/asm.h>
#include <asm/irq_vectors.h>
#include <asm/nmi.h>
#include <asm/smp.h>

#include <bulkhead/hypercall.h>

static char *action = "";
module_param(action, charp, 0444);
MODULE_PARM_DESC(action, "hvwrite | init | nmi | fixed | own | decode | ioapic | pcihidden | msi");
static unsigned int cpu = 3;
module_param(cpu, uint, 0444);
MODULE_PARM_DESC(cpu, "target CPU of init/nmi/fixed (offline, not the root's)");
static unsigned long hv_phys = 0x3b000000;
module_param(hv_phys, ulong, 0444);
MODULE_PARM_DESC(hv_phys, "physical address of hypervisor memory");
static unsigned int bdf = 0x28;
module_param(bdf, uint, 0444);
MODULE_PARM_DESC(bdf, "pcihidden: bus << 8 | device << 3 | function of a cell's device");
static unsigned long ecam = 0xb0000000;
module_param(ecam, ulong, 0444);
MODULE_PARM_DESC(ecam, "pcihidden: physical base of the ECAM window");

static long hypercall(unsigned long code, unsigned long arg1, unsigned long arg2)
{
	long result;

	asm volatile("vmmcall" : "=a"(result) : "a"(code), "D"(arg1), "S"(arg2) : "memory");
	return result;
}

static long blocked_ipis(unsigned int on)
{
	return hypercall(BH_HC_CPU_STATS, on, BH_STAT_IPI_BLOCKED);
}

static int probe_hvwrite(void)
{
	u32 *p = memremap(hv_phys, PAGE_SIZE, MEMREMAP_WB);

	if (!p) {
		pr_err("hvwrite: memremap(%#lx) failed\n", hv_phys);
		return -ENOMEM;
	}
	pr_info("hvwrite: writing hypervisor memory at %#lx\n", hv_phys);
	WRITE_ONCE(*p, 0xbadc0de);
	/* Only reached if the root could write hypervisor memory. */
	pr_err("hvwrite: the write to %#lx went through: NOT ISOLATED\n", hv_phys);
	memunmap(p);
	return -EIO;
}

/* Send `what` to CPU `cpu` from this CPU; succeed iff each IPI was blocked. */
static int probe_foreign_ipi(const char *what)
{
	unsigned int self, apicid;
	long before, after, expected;

	if (cpu >= nr_cpu_ids || cpu_online(cpu)) {
		pr_err("%s: CPU %u must exist and be offline\n", what, cpu);
		return -EINVAL;
	}
	apicid = per_cpu(x86_cpu_to_apicid, cpu);
	self = get_cpu();
	before = blocked_ipis(self);
	if (before < 0) {
		put_cpu();
		pr_err("%s: no hypervisor statistics (%ld): is bulkhead enabled?\n", what, before);
		return -ENODEV;
	}
	if (!strcmp(what, "init")) {
		/* The kernel's wakeup_secondary_cpu_via_init sequence. */
		apic->icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apicid);
		udelay(10);
		apic->icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
		udelay(10);
		apic->icr_write(APIC_DM_STARTUP | 0x9a, apicid);
		expected = 3;
	} else if (!strcmp(what, "nmi")) {
		apic->send_IPI(cpu, NMI_VECTOR);
		expected = 1;
	} else {
		apic->send_IPI(cpu, RESCHEDULE_VECTOR);
		expected = 1;
	}
	after = blocked_ipis(self);
	put_cpu();
	if (after - before != expected) {
		pr_err("%s: to CPU %u (APIC id %u) from CPU %u: %ld of %ld IPIs blocked: NOT ISOLATED\n", what,
		       cpu, apicid, self, after - before, expected);
		return -EIO;
	}
	pr_info("%s: to CPU %u (APIC id %u) from CPU %u: blocked by the hypervisor (%ld)\n", what, cpu,
		apicid, self, after - before);
	return 0;
}

/*
 * root_probe_cross_write(addr, value): `mov %esi,(%rdi)` (89 37) at the last
 * byte of a page, so that its second byte is on the next page.
 */
void root_probe_cross_write(u32 *addr, u32 value);
asm(".pushsection .text.root_probe_cross, \"ax\", @progbits\n"
    ".balign 4096\n"
    ".skip 4095, 0xcc\n"
    ".globl root_probe_cross_write\n"
    ".type root_probe_cross_write, @function\n"
    "root_probe_cross_write:\n"
    "movl %esi, (%rdi)\n"
    "jmp __x86_return_thunk\n"
    ".size root_probe_cross_write, . - root_probe_cross_write\n"
    ".popsection\n");

static int probe_decode(void)
{
	volatile u32 *tpr = (volatile u32 *)(APIC_BASE + APIC_TASKPRI);
	unsigned long flags, where;
	unsigned int self;
	long before, after;
	u32 old, now, swap = 0x10;
	int faulted = 1;
	u64 base;

	rdmsrl(MSR_IA32_APICBASE, base);
	if (base & X2APIC_ENABLE) {
		pr_info("decode: x2APIC mode, the APIC page is not written: skipped\n");
		return 0;
	}
	/* Hidden from gcc, which assumes functions are aligned. */
	where = (unsigned long)root_probe_cross_write;
	OPTIMIZER_HIDE_VAR(where);
	if ((where & (PAGE_SIZE - 1)) != PAGE_SIZE - 1) {
		pr_err("decode: the crossing instruction is at %px, not at a page's last byte\n",
		       root_probe_cross_write);
		return -EINVAL;
	}
	self = get_cpu();
	local_irq_save(flags);
	old = *tpr & 0xff;
	before = hypercall(BH_HC_CPU_STATS, self, BH_STAT_XAPIC);
	root_probe_cross_write((u32 *)tpr, old);
	after = hypercall(BH_HC_CPU_STATS, self, BH_STAT_XAPIC);
	now = *tpr & 0xff;
	/* XCHG (87 /r): not a MOV, refused; the fixup skips the flag store. */
	asm volatile("1: xchgl %[v], %[m]\n"
		     "   movl $0, %[f]\n"
		     "2:\n" _ASM_EXTABLE(1b, 2b)
		     : [v] "+r"(swap), [m] "+m"(*tpr), [f] "+r"(faulted));
	local_irq_restore(flags);
	put_cpu();
	if (after - before != 1 || now != old) {
		pr_err("decode: page-crossing TPR write: %ld xAPIC exits, TPR %#x -> %#x\n", after - before,
		       old, now);
		return -EIO;
	}
	if (!faulted || (*tpr & 0xff) != old) {
		pr_err("decode: XCHG with the TPR was not refused (TPR %#x, was %#x)\n", *tpr & 0xff, old);
		return -EIO;
	}
	pr_info("decode: page-crossing MOV emulated, XCHG refused with #GP\n");
	return 0;
}

static atomic_t calls;
static atomic_t nmis;
static cpumask_t nmi_expected;

static void count_call(void *unused)
{
	atomic_inc(&calls);
}

static int probe_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (!cpumask_test_and_clear_cpu(smp_processor_id(), &nmi_expected))
		return NMI_DONE;
	atomic_inc(&nmis);
	return NMI_HANDLED;
}

static int probe_own_ipis(void)
{
	unsigned int self, other, others;
	long before, after;
	int i, err = 0;

	self = get_cpu();
	before = blocked_ipis(self);
	others = num_online_cpus() - 1;
	atomic_set(&calls, 0);
	smp_call_function(count_call, NULL, 1);
	after = blocked_ipis(self);
	put_cpu();
	if (atomic_read(&calls) != others) {
		pr_err("own: function call reached %d of %u CPUs\n", atomic_read(&calls), others);
		err = -EIO;
	}

	err = err ?: register_nmi_handler(NMI_LOCAL, probe_nmi_handler, 0, "root_probe");
	if (err)
		return err;
	atomic_set(&nmis, 0);
	self = get_cpu();
	for_each_online_cpu(other) {
		if (other == self)
			continue;
		cpumask_set_cpu(other, &nmi_expected);
		apic->send_IPI(other, NMI_VECTOR);
	}
	put_cpu();
	for (i = 0; i < 1000 && atomic_read(&nmis) < others; i++)
		msleep(1);
	unregister_nmi_handler(NMI_LOCAL, "root_probe");
	if (atomic_read(&nmis) != others) {
		pr_err("own: NMI reached %d of %u CPUs\n", atomic_read(&nmis), others);
		return -EIO;
	}
	if (after != before) {
		pr_err("own: %ld of the root's own IPIs counted as blocked\n", after - before);
		return -EIO;
	}
	pr_info("own: function call and NMI reached all %u other CPUs, none blocked\n", others);
	return 0;
}

#define IOAPIC_BASE 0xfec00000ul
#define IOAPIC_RTE_MASKED (1u << 16)

static u32 ioapic_read(void __iomem *io, u32 index)
{
	writel(index, io);
	return readl(io + 0x10);
}

static void ioapic_write(void __iomem *io, u32 index, u32 value)
{
	writel(index, io);
	writel(value, io + 0x10);
}

static long blocked_rtes(unsigned int on)
{
	return hypercall(BH_HC_CPU_STATS, on, BH_STAT_IOAPIC_BLOCKED);
}

static int probe_ioapic(void)
{
	void __iomem *io = ioremap(IOAPIC_BASE, PAGE_SIZE);
	unsigned int pins, pin, self, foreign, own;
	u32 low, high, vector = 0xe9;
	long before, mid, after;
	unsigned long flags;
	int err = -EIO;

	if (!io)
		return -ENOMEM;
	if (cpu >= nr_cpu_ids || cpu_online(cpu)) {
		pr_err("ioapic: CPU %u must exist and be offline\n", cpu);
		iounmap(io);
		return -EINVAL;
	}
	foreign = per_cpu(x86_cpu_to_apicid, cpu);
	local_irq_save(flags);
	self = smp_processor_id();
	own = per_cpu(x86_cpu_to_apicid, self);
	pins = ((ioapic_read(io, 1) >> 16) & 0xff) + 1;
	for (pin = pins - 1; pin > 0; pin--)
		if (ioapic_read(io, 0x10 + 2 * pin) == IOAPIC_RTE_MASKED &&
		    ioapic_read(io, 0x11 + 2 * pin) == 0)
			break;
	if (pin == 0) {
		local_irq_restore(flags);
		pr_err("ioapic: no unused pin among %u\n", pins);
		iounmap(io);
		return -ENODEV;
	}
	before = blocked_rtes(self);
	/* To a foreign CPU: the hypervisor must write it masked. */
	ioapic_write(io, 0x11 + 2 * pin, foreign << 24);
	ioapic_write(io, 0x10 + 2 * pin, vector);
	low = ioapic_read(io, 0x10 + 2 * pin);
	high = ioapic_read(io, 0x11 + 2 * pin);
	mid = blocked_rtes(self);
	/* To this CPU: as written. */
	ioapic_write(io, 0x10 + 2 * pin, IOAPIC_RTE_MASKED | vector);
	ioapic_write(io, 0x11 + 2 * pin, own << 24);
	ioapic_write(io, 0x10 + 2 * pin, vector);
	if ((low & IOAPIC_RTE_MASKED) && mid == before + 1 &&
	    ioapic_read(io, 0x10 + 2 * pin) == vector && blocked_rtes(self) == mid)
		err = 0;
	after = blocked_rtes(self);
	ioapic_write(io, 0x10 + 2 * pin, IOAPIC_RTE_MASKED);
	ioapic_write(io, 0x11 + 2 * pin, 0);
	local_irq_restore(flags);
	iounmap(io);
	pr_info("ioapic: pin %u of %u: to APIC id %u read back %#x:%#x (blocked %ld -> %ld), to own id %u blocked %ld -> %ld\n",
		pin, pins, foreign, high, low, before, mid, own, mid, after);
	if (err)
		pr_err("ioapic: the entry to a foreign CPU was %s\n",
		       (low & IOAPIC_RTE_MASKED) ? "masked, but the counts are wrong" : "NOT masked: NOT ISOLATED");
	return err;
}

/* Type-1 configuration access; the hypervisor keeps a latch per CPU. */
static u32 conf1_read(unsigned int dev, unsigned int offset)
{
	outl(0x80000000u | dev << 8 | offset, 0xcf8);
	return inl(0xcfc);
}

static void conf1_write(unsigned int dev, unsigned int offset, u32 value)
{
	outl(0x80000000u | dev << 8 | offset, 0xcf8);
	outl(value, 0xcfc);
}

static int probe_pcihidden(void)
{
	void __iomem *page = ioremap(ecam + ((unsigned long)bdf << 12), PAGE_SIZE);
	u32 port_id, port_command, ecam_id, ecam_command, bridge_id;
	unsigned long flags;
	long before, after;
	unsigned int self;

	if (!page)
		return -ENOMEM;
	local_irq_save(flags);
	self = smp_processor_id();
	before = hypercall(BH_HC_CPU_STATS, self, BH_STAT_PCI_HIDDEN);
	port_id = conf1_read(bdf, 0);
	conf1_write(bdf, 4, 0x0006);
	port_command = conf1_read(bdf, 4);
	ecam_id = readl(page);
	writel(0x0006, page + 4);
	ecam_command = readl(page + 4);
	bridge_id = conf1_read(0, 0);
	after = hypercall(BH_HC_CPU_STATS, self, BH_STAT_PCI_HIDDEN);
	local_irq_restore(flags);
	iounmap(page);
	pr_info("pcihidden: %02x:%02x.%u ports: id %#x command %#x; ECAM: id %#x command %#x; host bridge %#x; hidden %ld -> %ld\n",
		bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, port_id, port_command, ecam_id, ecam_command, bridge_id,
		before, after);
	if (port_id != ~0u || port_command != ~0u || ecam_id != ~0u || ecam_command != ~0u) {
		pr_err("pcihidden: the cell's device is visible to the root: NOT ISOLATED\n");
		return -EIO;
	}
	if ((bridge_id & 0xffff) == 0xffff || after - before != 4) {
		pr_err("pcihidden: host bridge or counts wrong\n");
		return -EIO;
	}
	return 0;
}

static int probe_msi(void)
{
	struct pci_dev *dev = pci_get_domain_bus_and_slot(0, bdf >> 8, bdf & 0xff);
	u16 control, saved_control, saved_data, after_foreign, after_own;
	unsigned int self, foreign, own, data_at;
	u32 saved_address, address_after;
	long before, after;
	unsigned long flags;
	int msi, err = 0;

	if (!dev)
		return -ENODEV;
	msi = pci_find_capability(dev, PCI_CAP_ID_MSI);
	if (!msi || cpu >= nr_cpu_ids || cpu_online(cpu)) {
		pci_dev_put(dev);
		pr_err("msi: no MSI capability, or CPU %u online\n", cpu);
		return -EINVAL;
	}
	foreign = per_cpu(x86_cpu_to_apicid, cpu);
	pci_read_config_word(dev, msi + PCI_MSI_FLAGS, &saved_control);
	data_at = msi + ((saved_control & PCI_MSI_FLAGS_64BIT) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
	pci_read_config_dword(dev, msi + PCI_MSI_ADDRESS_LO, &saved_address);
	pci_read_config_word(dev, data_at, &saved_data);
	control = saved_control & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);

	local_irq_save(flags);
	self = smp_processor_id();
	own = per_cpu(x86_cpu_to_apicid, self);
	before = hypercall(BH_HC_CPU_STATS, self, BH_STAT_MSI_BLOCKED);
	pci_write_config_word(dev, msi + PCI_MSI_FLAGS, control);
	pci_write_config_word(dev, data_at, 0x41);
	/* Disabled: any address may be written; enabling it is judged. */
	pci_write_config_dword(dev, msi + PCI_MSI_ADDRESS_LO, 0xfee00000u | foreign << 12);
	pci_write_config_word(dev, msi + PCI_MSI_FLAGS, control | PCI_MSI_FLAGS_ENABLE);
	pci_read_config_word(dev, msi + PCI_MSI_FLAGS, &after_foreign);
	/* To this CPU it is enabled; moving it to the foreign one is dropped. */
	pci_write_config_dword(dev, msi + PCI_MSI_ADDRESS_LO, 0xfee00000u | own << 12);
	pci_write_config_word(dev, msi + PCI_MSI_FLAGS, control | PCI_MSI_FLAGS_ENABLE);
	pci_read_config_word(dev, msi + PCI_MSI_FLAGS, &after_own);
	pci_write_config_dword(dev, msi + PCI_MSI_ADDRESS_LO, 0xfee00000u | foreign << 12);
	pci_read_config_dword(dev, msi + PCI_MSI_ADDRESS_LO, &address_after);
	after = hypercall(BH_HC_CPU_STATS, self, BH_STAT_MSI_BLOCKED);
	/* As it was. */
	pci_write_config_word(dev, msi + PCI_MSI_FLAGS, control);
	pci_write_config_dword(dev, msi + PCI_MSI_ADDRESS_LO, saved_address);
	pci_write_config_word(dev, data_at, saved_data);
	pci_write_config_word(dev, msi + PCI_MSI_FLAGS, saved_control);
	local_irq_restore(flags);
	pci_dev_put(dev);

	pr_info("msi: %02x:%02x.%u: enable towards APIC id %u -> control %#x; towards own id %u -> control %#x; moved -> address %#x; blocked %ld -> %ld\n",
		bdf >> 8, (bdf >> 3) & 0x1f, bdf & 7, foreign, after_foreign, own, after_own, address_after,
		before, after);
	if (after_foreign & PCI_MSI_FLAGS_ENABLE) {
		pr_err("msi: the root enabled an MSI to a CPU not its own: NOT ISOLATED\n");
		err = -EIO;
	} else if (!(after_own & PCI_MSI_FLAGS_ENABLE) || address_after != (0xfee00000u | own << 12) ||
		   after - before != 2) {
		pr_err("msi: the root's own MSI, the moved address or the counts are wrong\n");
		err = -EIO;
	}
	return err;
}

static int __init root_probe_init(void)
{
	int err;

	if (!strcmp(action, "hvwrite"))
		err = probe_hvwrite();
	else if (!strcmp(action, "init") || !strcmp(action, "nmi") || !strcmp(action, "fixed"))
		err = probe_foreign_ipi(action);
	else if (!strcmp(action, "own"))
		err = probe_own_ipis();
	else if (!strcmp(action, "decode"))
		err = probe_decode();
	else if (!strcmp(action, "ioapic"))
		err = probe_ioapic();
	else if (!strcmp(action, "pcihidden"))
		err = probe_pcihidden();
	else if (!strcmp(action, "msi"))
		err = probe_msi();
	else {
		pr_err("unknown action '%s'\n", action);
		err = -EINVAL;
	}
	pr_info("action %s: %s\n", action, err ? "FAIL" : "PASS");
	return err;
}

static void __exit root_probe_exit(void)
{
}

module_init(root_probe_init);
module_exit(root_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bulkhead test: the root cell probes its isolation");
