# bulkhead top-level build.
#
#   make            build everything (host tools, module, images, configs)
#   make check      install deps, build, run unit tests and all QEMU scenarios
#   make demo       boot the QEMU virtual PC and show bulkhead at work
#   make qemu-test T=<scenario>     one QEMU scenario
#   make bench T=<name>             one benchmark (prints figures)
#   make menuconfig | defconfig | olddefconfig
#
# Python tools run on /usr/bin/python3 (Debian's, with python3-jinja2 and
# python3-kconfiglib), never on whatever python3 is first on PATH.

SHELL := /bin/bash
PYTHON := /usr/bin/python3
SRC := $(CURDIR)
BUILD := $(SRC)/build
GEN := $(BUILD)/generated
KCONFIG_HEADER := $(GEN)/bh_kconfig.h
JOBS ?= $(shell nproc)

# The Debian kernel the virtual PC boots and the module is built for. The
# host's own kernel is not Debian's and has no headers.
KVER ?= $(shell ls /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V | tail -1)
KDIR ?= /lib/modules/$(KVER)/build

export KCONFIG_CONFIG := $(SRC)/.config
export CONFIG_ := BH_CONFIG_

.PHONY: all deps host unit-test module configs payload hypervisor test-modules check-run demo-run check demo qemu-test bench \
        menuconfig defconfig olddefconfig clean FORCE

all: host module configs hypervisor

deps:
	@$(SRC)/scripts/deps.sh

# --- Kconfig --------------------------------------------------------------
$(KCONFIG_CONFIG):
	$(PYTHON) -m alldefconfig $(SRC)/Kconfig >/dev/null

menuconfig:
	$(PYTHON) -m menuconfig $(SRC)/Kconfig
defconfig:
	$(PYTHON) -m alldefconfig $(SRC)/Kconfig
olddefconfig:
	$(PYTHON) -m olddefconfig $(SRC)/Kconfig

$(KCONFIG_HEADER): $(KCONFIG_CONFIG) $(SRC)/Kconfig
	@mkdir -p $(GEN)
	$(PYTHON) -m genconfig --header-path $@ $(SRC)/Kconfig
	@touch $@

# --- host build (CMake) ---------------------------------------------------
# Configured on every run: components join the build by adding host.cmake
# files, which only a fresh configure sees (about a second).
host: $(KCONFIG_HEADER)
	@cmake -S $(SRC) -B $(BUILD)/host -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DBH_GENERATED_DIR=$(GEN) >/dev/null
	@cmake --build $(BUILD)/host -j$(JOBS) -- --no-print-directory -s

unit-test: host configs
	cd $(BUILD)/host && ctest --output-on-failure -j$(JOBS)

# --- configs: C sources -> binary .cell files -----------------------------
CONFIG_SOURCES := $(sort $(wildcard configs/x86/*.c cells/*/*.c tests/configs/good/*.c tests/configs/bad/*.c tests/configs/driver/*.c))
# Test configs that differ from a real one by a few lines are derived from
# it (scripts/derive-config.py, NAME.derive -> NAME.c in the build tree).
CONFIG_DERIVED := $(sort $(wildcard tests/configs/driver/*.derive))
CONFIG_CELLS := $(patsubst %.c,$(BUILD)/cells/%.cell,$(CONFIG_SOURCES)) \
	$(patsubst %.derive,$(BUILD)/cells/%.cell,$(CONFIG_DERIVED))
CONFIG_DEPS := include/bulkhead/config.h include/bulkhead/config-source.h $(wildcard tests/configs/*.h cells/*.h)

configs: $(CONFIG_CELLS)

$(BUILD)/cells/%.cell: %.c $(CONFIG_DEPS)
	@mkdir -p $(dir $@)
	@gcc -c -I$(SRC)/include -o $@.o $<
	@objcopy -O binary -j .bhconfig $@.o $@
	@rm -f $@.o

.SECONDARY: $(patsubst %.derive,$(BUILD)/derived/%.c,$(CONFIG_DERIVED))

$(BUILD)/derived/%.c: %.derive scripts/derive-config.py configs/x86/qemu-pc.c
	@/usr/bin/python3 scripts/derive-config.py $< $@

$(BUILD)/cells/%.cell: $(BUILD)/derived/%.c $(CONFIG_DEPS)
	@mkdir -p $(dir $@)
	@gcc -c -I$(SRC)/include -o $@.o $<
	@objcopy -O binary -j .bhconfig $@.o $@
	@rm -f $@.o

# --- the hypervisor image (freestanding C++, bulkhead.bin) -------------------
HV_BUILD := $(BUILD)/hypervisor
HV_IMAGE := $(HV_BUILD)/bulkhead.bin
HV_CXX_SOURCES := hypervisor/core/setup.cpp hypervisor/core/console.cpp hypervisor/core/cell.cpp \
	hypervisor/core/page_pool.cpp hypervisor/core/hypercall.cpp hypervisor/core/pci_config.cpp hypervisor/core/channel_device.cpp \
	hypervisor/core/config_validator.cpp hypervisor/lib/string.cpp \
	hypervisor/arch/x86/svm.cpp hypervisor/arch/x86/paging.cpp hypervisor/arch/x86/apic.cpp hypervisor/arch/x86/icr_filter.cpp hypervisor/arch/x86/mmio_decoder.cpp hypervisor/arch/x86/guest_memory.cpp
HV_ASM_SOURCES := hypervisor/arch/x86/header.S hypervisor/arch/x86/entry.S
HV_OBJS := $(patsubst %,$(HV_BUILD)/%.o,$(HV_ASM_SOURCES) $(HV_CXX_SOURCES))
HV_CXXFLAGS := -std=gnu++20 -O2 -ffreestanding -fno-exceptions -fno-rtti \
	-fno-threadsafe-statics -fno-stack-protector -fpie \
	-fvisibility=hidden -mno-red-zone -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -nostdlib \
	-Wall -Wextra -Werror -include $(SRC)/hypervisor/core/visibility.h \
	-I$(SRC)/include -I$(SRC)/lib/include -I$(SRC)/hypervisor/core -I$(GEN) -MMD -MP

$(HV_BUILD)/%.cpp.o: %.cpp $(KCONFIG_HEADER) Makefile
	@mkdir -p $(dir $@)
	g++ $(HV_CXXFLAGS) -c -o $@ $<

$(HV_BUILD)/%.S.o: %.S $(KCONFIG_HEADER) Makefile
	@mkdir -p $(dir $@)
	gcc -c -include $(KCONFIG_HEADER) -I$(SRC)/hypervisor/arch/x86 -o $@ $<

$(HV_IMAGE): $(HV_OBJS) hypervisor/hypervisor.lds scripts/check-image-relocs.sh
	$(SRC)/scripts/check-image-relocs.sh $(HV_OBJS)
	ld -nostdlib -static -z noexecstack -T hypervisor/hypervisor.lds -o $(HV_BUILD)/bulkhead.elf $(HV_OBJS)
	objcopy -O binary $(HV_BUILD)/bulkhead.elf $@
	@size=$$(stat -c %s $@); want=$$(nm $(HV_BUILD)/bulkhead.elf | sed -n 's/^\([0-9a-f]*\) A __bh_file_size$$/\1/p'); \
	  test "$$size" = "$$((16#$$want))" || { echo "bulkhead.bin is $$size bytes, header says 0x$$want"; exit 1; }

hypervisor: $(HV_IMAGE)

-include $(HV_OBJS:.o=.d)

# --- inmates (freestanding images that run in cells) -------------------------
-include inmates/inmates.mk

# --- kernel module ----------------------------------------------------------
MODULE := $(SRC)/driver/bulkhead.ko

module: $(KCONFIG_HEADER)
	@test -d $(KDIR) || { echo "no kernel headers in $(KDIR): run 'make deps'"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(SRC)/driver BH_SRC=$(SRC) BH_GEN=$(GEN) CXX=g++ modules

# --- test programs for the virtual PC ---------------------------------------
# Test kernel modules (tests/modules/Kbuild lists them).
test-modules: $(KCONFIG_HEADER)
	$(MAKE) -C $(KDIR) M=$(SRC)/tests/modules BH_SRC=$(SRC) BH_GEN=$(GEN) modules

KSELFTESTS := $(BUILD)/kselftest/driver_abi $(BUILD)/kselftest/cpuid_probe $(BUILD)/kselftest/bh_workload \
	$(BUILD)/kselftest/channel_poll

$(BUILD)/kselftest/%: tests/kselftest/%.c include/bulkhead/*.h
	@mkdir -p $(dir $@)
	gcc -static -O2 -Wall -Wextra -Werror -Wno-format-truncation -I$(SRC)/include -o $@ $<

# --- the QEMU virtual PC's payload: what the initramfs carries ----------------
PAYLOAD := $(BUILD)/qemu/payload

payload: host module configs hypervisor test-modules $(KSELFTESTS)
	@rm -rf $(PAYLOAD) && mkdir -p $(PAYLOAD)/bin $(PAYLOAD)/lib/modules/tests $(PAYLOAD)/lib/firmware $(PAYLOAD)/tests
	@find $(SRC)/tests/modules -name '*.ko' -exec cp {} $(PAYLOAD)/lib/modules/tests/ \;
	@cp $(HV_IMAGE) $(PAYLOAD)/lib/firmware/
	@cp $(BUILD)/host/bulkhead $(PAYLOAD)/bin/
	@cp $(MODULE) $(PAYLOAD)/lib/modules/
	@cp -r $(BUILD)/cells $(PAYLOAD)/cells
	@cp $(KSELFTESTS) $(PAYLOAD)/tests/
	@mkdir -p $(PAYLOAD)/inmates
	$(if $(INMATE_BINS),@cp $(INMATE_BINS) $(PAYLOAD)/inmates/)
	@$(SRC)/scripts/bad-config-manifest.sh tests/configs/bad > $(PAYLOAD)/tests/bad-configs.tsv

# check and demo install what they need first, then build in a fresh make:
# KVER and KDIR above are only right once the Debian kernel is installed.
check:
	@$(SRC)/scripts/deps.sh
	@$(MAKE) --no-print-directory check-run

check-run: all payload
	@$(SRC)/scripts/check.sh

demo:
	@$(SRC)/scripts/deps.sh
	@$(MAKE) --no-print-directory demo-run

demo-run: payload
	@$(SRC)/scripts/demo.sh

# Benchmarks print figures and assert nothing. T names a QEMU benchmark
# (tests/qemu/bench/T.sh) or a host one (tests/bench/T).
bench: payload
	@test -n "$(T)" || { echo "usage: make bench T=<name>"; exit 2; }
	@if [ -f tests/qemu/bench/$(T).sh ]; then \
	    $(SRC)/tests/qemu/run-scenario.sh --bench $(T); \
	  elif [ -x $(BUILD)/host/bench_$(T) ]; then \
	    $(BUILD)/host/bench_$(T); \
	  else echo "no benchmark '$(T)' (tests/qemu/bench/*.sh, tests/bench/*)"; exit 2; fi

qemu-test: payload
	@test -n "$(T)" || { echo "usage: make qemu-test T=<scenario>"; exit 2; }
	$(SRC)/tests/qemu/run-scenario.sh $(T)

clean:
	rm -rf $(BUILD)
	$(MAKE) -C $(KDIR) M=$(SRC)/driver clean >/dev/null 2>&1 || true
