// SPDX-License-Identifier: GPL-2.0
/*
 * fake_kvm: hold AMD SVM the way kvm_amd does while it has VMs, by setting
 * EFER.SVME on CPUs at load and clearing it again at unload. Lets the QEMU
 * scenarios check that `bulkhead enable` refuses with -EBUSY and leaves
 * every CPU as it found it.
 *
 *   insmod fake_kvm.ko            every online CPU
 *   insmod fake_kvm.ko cpu=2      only CPU 2 (the others enter the
 *                                 hypervisor first and must back out)
 *
 * Test-only: never shipped.
 */
#define pr_fmt(fmt) "fake_kvm: " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include <asm/processor.h>

static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "the only CPU to hold SVM on (default -1: all online CPUs)");

static struct cpumask held;

static void fake_kvm_hold(void *unused)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	cpumask_set_cpu(smp_processor_id(), &held);
}

static void fake_kvm_release(void *unused)
{
	u64 efer;

	if (!cpumask_test_cpu(smp_processor_id(), &held))
		return;
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

static int __init fake_kvm_init(void)
{
	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("no SVM on this CPU\n");
		return -ENODEV;
	}
	if (cpu < 0) {
		on_each_cpu(fake_kvm_hold, NULL, 1);
	} else {
		if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
			pr_err("CPU %d is not online\n", cpu);
			return -EINVAL;
		}
		smp_call_function_single(cpu, fake_kvm_hold, NULL, 1);
	}
	pr_info("EFER.SVME set on CPUs %*pbl\n", cpumask_pr_args(&held));
	return 0;
}

static void __exit fake_kvm_exit(void)
{
	on_each_cpu(fake_kvm_release, NULL, 1);
	pr_info("EFER.SVME cleared on CPUs %*pbl\n", cpumask_pr_args(&held));
}

module_init(fake_kvm_init);
module_exit(fake_kvm_exit);

MODULE_DESCRIPTION("bulkhead test: hold EFER.SVME as kvm_amd would");
MODULE_LICENSE("GPL");
