# The bulkhead RTOS as a cell image: $(BUILD)/inmates/rtos.bin.
# Included at the end of inmates/inmates.mk (which provides INMATE_BUILD,
# INMATE_CXXFLAGS, INMATE_ASFLAGS, INMATE_LDFLAGS, INMATE_LIB_OBJS and the
# pattern rules for objects and for .elf -> .bin with its image check).
#
#   kernel   inmates/rtos/kernel/*.{cpp,S} + inmates/rtos/sched/*.cpp,
#            linked with inmates/lib like the demos
#   user     inmates/rtos/kernel/user/: one flat user program linked at
#            abi::user_base, embedded in the kernel image (user_image.S)

RTOS_BUILD := $(INMATE_BUILD)/inmates/rtos
RTOS_BIN := $(INMATE_BUILD)/rtos.bin
RTOS_ELF := $(INMATE_BUILD)/rtos.elf

RTOS_KERNEL_SOURCES := inmates/rtos/kernel/entry.S inmates/rtos/kernel/user_image.S \
	inmates/rtos/kernel/main.cpp inmates/rtos/kernel/kernel.cpp inmates/rtos/kernel/arch.cpp \
	inmates/rtos/kernel/vm.cpp inmates/rtos/kernel/frames.cpp inmates/rtos/kernel/klog.cpp \
	inmates/rtos/kernel/trace.cpp
RTOS_SCHED_SOURCES := inmates/rtos/sched/sporadic_server.cpp inmates/rtos/sched/scheduler.cpp \
	inmates/rtos/sched/admission.cpp
# The portable channel code (mailbox protocol, bounded steps), as the
# channel-echo demo and the host tests build it.
RTOS_IPC_SOURCES := inmates/rtos/ipc/mailbox.cpp inmates/rtos/ipc/channel_port.cpp
RTOS_USER_SOURCES := inmates/rtos/kernel/user/crt.S inmates/rtos/kernel/user/task.cpp

RTOS_KERNEL_OBJS := $(patsubst %,$(INMATE_BUILD)/%.o,$(RTOS_KERNEL_SOURCES) $(RTOS_SCHED_SOURCES) \
	$(RTOS_IPC_SOURCES))
RTOS_USER_OBJS := $(patsubst %,$(INMATE_BUILD)/%.o,$(RTOS_USER_SOURCES))
RTOS_USER_ELF := $(RTOS_BUILD)/kernel/user/rtos-user.elf
RTOS_USER_BIN := $(RTOS_BUILD)/kernel/user/rtos-user.bin

# "sched/scheduler.h", "ipc/mailbox.h"; the embedded user image is found by .incbin's path.
$(RTOS_KERNEL_OBJS) $(RTOS_USER_OBJS): INMATE_CXXFLAGS += -I$(SRC)/inmates/rtos
$(RTOS_BUILD)/kernel/user_image.S.o: INMATE_ASFLAGS += -Wa,-I$(RTOS_BUILD)/kernel/user
$(RTOS_BUILD)/kernel/user_image.S.o: $(RTOS_USER_BIN)
$(RTOS_KERNEL_OBJS) $(RTOS_USER_OBJS): inmates/rtos/rtos.mk
# The mailbox reads the Kconfig slot size (bh/kconfig.h).
$(RTOS_KERNEL_OBJS): $(KCONFIG_HEADER)

$(RTOS_USER_ELF): $(RTOS_USER_OBJS) inmates/rtos/kernel/user/user.lds
	ld -nostdlib -static -no-pie -z noexecstack -z max-page-size=0x1000 --build-id=none \
		--no-warn-rwx-segments -T inmates/rtos/kernel/user/user.lds -o $@ $(RTOS_USER_OBJS)

$(RTOS_USER_BIN): $(RTOS_USER_ELF)
	objcopy -O binary $< $@

$(RTOS_ELF): $(INMATE_LIB_OBJS) $(RTOS_KERNEL_OBJS) inmates/lib/inmate.lds
	ld $(INMATE_LDFLAGS) -T inmates/lib/inmate.lds -Map=$(@:.elf=.map) -o $@ $(INMATE_LIB_OBJS) \
		$(RTOS_KERNEL_OBJS)

INMATE_BINS += $(RTOS_BIN)
.PHONY: rtos
rtos inmates: $(RTOS_BIN)

-include $(RTOS_KERNEL_OBJS:.o=.d) $(RTOS_USER_OBJS:.o=.d)
