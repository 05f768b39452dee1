# The RTOS's channel code (mailbox protocol, channel bound) built for the
# host: unit tests, benchmarks, the CLI's `bound channel`. Included by
# inmates/rtos/host.cmake and by its users; the guard makes that safe.
include_guard(GLOBAL)

set(BH_IPC_DIR ${CMAKE_CURRENT_LIST_DIR})
set(BH_IPC_SOURCES ${BH_IPC_DIR}/mailbox.cpp ${BH_IPC_DIR}/bound.cpp ${BH_IPC_DIR}/channel_port.cpp)

add_library(bh_ipc STATIC ${BH_IPC_SOURCES})
target_link_libraries(bh_ipc PUBLIC bh_headers)
# Users include <ipc/mailbox.h>, <ipc/bound.h>.
target_include_directories(bh_ipc PUBLIC ${BH_IPC_DIR}/..)
