# Inmates: freestanding images that run in a bulkhead cell or bare on a PC.
# Included by the top-level Makefile (which provides SRC, BUILD and GEN).
#
#   make inmates        build $(BUILD)/inmates/<demo>.bin for every demo
#
# Each image is linked at a fixed guest-physical address (INMATE_LOAD_ADDRESS,
# the cell's cpu_reset_address) and expects its communication page at
# INMATE_COMM_PAGE; both end up in the image header (include/bulkhead/cell.h)
# and are checked after linking by inmates/lib/check-image.py.

INMATE_BUILD := $(BUILD)/inmates
INMATE_DEMOS := hello apic-timer isolation-probe channel-echo pci-edu
INMATE_BINS := $(patsubst %,$(INMATE_BUILD)/%.bin,$(INMATE_DEMOS))
INMATE_LOAD_ADDRESS ?= 0x100000
INMATE_COMM_PAGE ?= 0x1000000

INMATE_LIB_SOURCES := inmates/lib/header.S inmates/lib/isr.S inmates/lib/setup.cpp \
	inmates/lib/console.cpp inmates/lib/irq.cpp inmates/lib/apic.cpp inmates/lib/time.cpp \
	inmates/lib/string.cpp inmates/lib/smp.cpp inmates/lib/pci.cpp
INMATE_LIB_OBJS := $(patsubst %,$(INMATE_BUILD)/%.o,$(INMATE_LIB_SOURCES))
INMATE_DEMO_OBJS := $(patsubst %,$(INMATE_BUILD)/inmates/demos/%.cpp.o,$(INMATE_DEMOS))

# Fixed link address below 2 GiB: the small code model's absolute 32-bit
# addresses are fine, no PIC, no GOT, no dynamic relocations.
INMATE_CXXFLAGS := -std=gnu++20 -O2 -ffreestanding -fno-exceptions -fno-rtti \
	-fno-threadsafe-statics -fno-stack-protector -fno-pic -fno-pie -mcmodel=small \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-tree-loop-distribute-patterns -fcf-protection=none -nostdlib \
	-Wall -Wextra -Werror -I$(SRC)/include -I$(SRC)/lib/include -I$(SRC)/inmates/lib/include \
	-I$(GEN) -MMD -MP
INMATE_ASFLAGS := -I$(SRC)/inmates/lib/include -MMD -MP
INMATE_LDFLAGS := -nostdlib -static -no-pie -z noexecstack -z max-page-size=0x1000 \
	--build-id=none --no-warn-rwx-segments --defsym=__bh_load_address=$(INMATE_LOAD_ADDRESS) \
	--defsym=__bh_comm_page=$(INMATE_COMM_PAGE)

.PHONY: inmates
inmates: $(INMATE_BINS)
all: inmates
# The virtual PC's payload carries the inmates (the payload recipe copies
# $(INMATE_BINS) to $(PAYLOAD)/inmates/).
payload: inmates

# Every inmate source may include the generated bh_kconfig.h (bh/kconfig.h).
$(INMATE_BUILD)/%.cpp.o: %.cpp inmates/inmates.mk $(KCONFIG_HEADER)
	@mkdir -p $(dir $@)
	g++ $(INMATE_CXXFLAGS) -c -o $@ $<

$(INMATE_BUILD)/%.S.o: %.S inmates/inmates.mk
	@mkdir -p $(dir $@)
	gcc $(INMATE_ASFLAGS) -c -o $@ $<

$(INMATE_BUILD)/%.elf: $(INMATE_BUILD)/inmates/demos/%.cpp.o $(INMATE_LIB_OBJS) inmates/lib/inmate.lds
	ld $(INMATE_LDFLAGS) -T inmates/lib/inmate.lds -Map=$(@:.elf=.map) -o $@ $(INMATE_LIB_OBJS) $<

$(INMATE_BUILD)/%.bin: $(INMATE_BUILD)/%.elf inmates/lib/check-image.py
	objcopy -O binary $< $@
	$(PYTHON) $(SRC)/inmates/lib/check-image.py --load-address $(INMATE_LOAD_ADDRESS) \
		--comm-page $(INMATE_COMM_PAGE) $< $@

# channel-echo also links the portable mailbox (inmates/rtos/ipc).
INMATE_IPC_OBJS := $(INMATE_BUILD)/inmates/rtos/ipc/mailbox.cpp.o
$(INMATE_BUILD)/inmates/demos/channel-echo.cpp.o $(INMATE_IPC_OBJS): INMATE_CXXFLAGS += -I$(SRC)/inmates/rtos
# Both include bh/kconfig.h (generated): not before it exists.
$(INMATE_BUILD)/channel-echo.elf: $(INMATE_BUILD)/inmates/demos/channel-echo.cpp.o $(INMATE_IPC_OBJS) \
		$(INMATE_LIB_OBJS) inmates/lib/inmate.lds
	ld $(INMATE_LDFLAGS) -T inmates/lib/inmate.lds -Map=$(@:.elf=.map) -o $@ $(INMATE_LIB_OBJS) $< \
		$(INMATE_IPC_OBJS)

.PRECIOUS: $(INMATE_BUILD)/%.elf $(INMATE_BUILD)/%.cpp.o $(INMATE_BUILD)/%.S.o

-include $(INMATE_LIB_OBJS:.o=.d) $(INMATE_DEMO_OBJS:.o=.d) $(INMATE_IPC_OBJS:.o=.d)
include inmates/rtos/rtos.mk
