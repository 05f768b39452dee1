// SPDX-License-Identifier: GPL-2.0
/*
 * Print what CPUID tells a program about the hypervisor below it:
 *   hypervisor-bit=<0|1> vendor=<leaf 0x40000000 signature> svm=<0|1>
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	unsigned int a, b, c, d;
	char vendor[13] = "";

	__cpuid(1, a, b, c, d);
	printf("hypervisor-bit=%u ", (c >> 31) & 1);
	__cpuid(0x40000000, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	printf("vendor=%s ", vendor[0] ? vendor : "none");
	__cpuid(0x80000001, a, b, c, d);
	printf("svm=%u\n", (c >> 2) & 1);
	return 0;
}
